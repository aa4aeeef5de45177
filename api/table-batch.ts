// Server-side printing of batch/v1 Job and CronJob: the columns of kubectl 1.32's printers.

import type { CronJob, Job } from './batch.js';
import type { Container, LabelSelector } from './core.js';
import { labelSelectorMatcher } from './selectors.js';
import { AGE, NAME, age, col, humanDuration, translateTimestampSince, type Printer } from './table.js';

/** metav1.FormatLabelSelector: "<none>" for no requirements, "<error>" for an unparsable selector. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  try {
    return labelSelectorMatcher(sel).toString() || '<none>';
  } catch {
    return '<error>';
  }
}

function containerCells(containers: Container[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c?.name ?? '').join(','), cs.map((c) => c?.image ?? '').join(',')];
}

const hasCondition = (job: Job, type: string): boolean => (job.status?.conditions ?? []).some((c) => c?.type === type && c.status === 'True');

/** The STATUS column: terminal conditions first, then deletion, then the transient ones. */
export function jobStatus(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

export const jobPrinter: Printer<Job> = {
  columns: [
    NAME,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'string', 'Time required to complete the job.'),
    AGE,
    col('Containers', 'string', 'Names of each container in the template.', 1),
    col('Images', 'string', 'Images referenced by each container in the template.', 1),
    col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  row(job, now) {
    const succeeded = job.status?.succeeded ?? 0;
    let completions: string;
    if (job.spec?.completions != null) completions = `${succeeded}/${job.spec.completions}`;
    else {
      const parallelism = job.spec?.parallelism ?? 0;
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    let duration = '';
    const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
    if (!Number.isNaN(start)) {
      const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
      duration = humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
    }
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return { cells: [job.metadata.name, jobStatus(job), completions, duration, age(job, now), names, images, formatLabelSelector(job.spec?.selector)] };
  },
};

export const cronJobPrinter: Printer<CronJob> = {
  columns: [
    NAME,
    col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'),
    col('Active', 'integer', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    AGE,
    col('Containers', 'string', 'Names of each container in the template.', 1),
    col('Images', 'string', 'Images referenced by each container in the template.', 1),
    col('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  row(cj, now) {
    const spec = cj.spec;
    const last = cj.status?.lastScheduleTime ? translateTimestampSince(cj.status.lastScheduleTime, now) : '<none>';
    const suspend = spec?.suspend == null ? '<unset>' : spec.suspend ? 'True' : 'False';
    const [names, images] = containerCells(spec?.jobTemplate?.spec?.template?.spec?.containers);
    return {
      cells: [
        cj.metadata.name,
        spec?.schedule ?? '',
        spec?.timeZone ?? '<none>',
        suspend,
        (cj.status?.active ?? []).length,
        last,
        age(cj, now),
        names,
        images,
        formatLabelSelector(spec?.jobTemplate?.spec?.selector),
      ],
    };
  },
};
