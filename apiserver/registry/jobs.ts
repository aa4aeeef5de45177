// Jobs and CronJobs: status reset on create, generation tracking, and the Job's generated selector.

import type { CronJob, Job } from '../../api/batch.js';
import { JOB_NAME_LABEL, LEGACY_JOB_NAME_LABEL, generateJobSelector } from '../../api/defaults-batch.js';
import type { ResourceInfo } from '../../api/resources.js';
import { defaultStrategy, type Strategy } from './strategy.js';

export function jobStrategy(info: ResourceInfo): Strategy<Job> {
  return defaultStrategy<Job>(info, {
    tracksGeneration: true,
    prepareForCreate(job) {
      job.status = {};
      generateJobSelector(job);
      // Upstream defaults a Job's labels from its template on every read; with the generated labels in
      // the template by then, a Job created without labels carries them. Done once here instead.
      const tl = job.spec?.template?.metadata?.labels;
      if (tl && Object.keys(tl).length > 0 && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...tl };
    },
    prepareNamed(job) {
      // Upstream names the object before generating the selector; here the name comes later,
      // so the job-name labels generated empty take it now.
      if (job.spec?.manualSelector === true) return;
      const name = job.metadata.name ?? '';
      for (const labels of [job.spec?.template?.metadata?.labels, job.metadata.labels]) {
        if (!labels) continue;
        for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (labels[k] === '') labels[k] = name;
      }
    },
  });
}

export function cronJobStrategy(info: ResourceInfo): Strategy<CronJob> {
  return defaultStrategy<CronJob>(info, {
    tracksGeneration: true,
    prepareForCreate(cj) {
      cj.status = {};
    },
  });
}
