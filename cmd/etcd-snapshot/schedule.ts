// Scheduled snapshots in `up` (k3s's --etcd-snapshot-schedule-cron and
// --etcd-snapshot-retention): at each time of the cron schedule a snapshot named
// `etcd-snapshot-<node>-<unix seconds>` is taken, then the scheduled snapshots beyond the
// newest `retention` are removed. A failed snapshot is logged and the schedule goes on.

import type { Schedule } from './cron.js';

export interface SnapshotScheduleOptions {
  schedule: Schedule;
  /** Takes one snapshot (at `at`, the scheduled time); resolves to its name. */
  take(at: Date): Promise<string>;
  /** Applies retention; resolves to the names removed. */
  prune(): Promise<string[]>;
  log(m: string): void;
  now?: () => Date;
}

export interface SnapshotSchedule {
  /** Stops the timer and waits for a snapshot in progress. */
  stop(): Promise<void>;
}

export function startSnapshotSchedule(o: SnapshotScheduleOptions): SnapshotSchedule {
  const now = o.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let last = 0;
  const arm = () => {
    if (stopped) return;
    // A timer may fire a few ms early (see below); asking from the last tick keeps it from
    // scheduling that same tick again.
    const at = o.schedule.next(new Date(Math.max(now().getTime(), last)));
    // setTimeout caps at 2^31-1 ms (~24.8 days): wake up and re-arm when further away.
    const wait = Math.min(Math.max(0, at.getTime() - now().getTime()), 2 ** 31 - 1);
    timer = setTimeout(() => {
      if (now().getTime() + 5 < at.getTime()) return arm();
      last = at.getTime();
      running = tick(at).finally(arm);
    }, wait);
    timer.unref();
  };
  const tick = async (at: Date) => {
    try {
      const name = await o.take(at);
      o.log(`etcd snapshot ${name} saved`);
      const removed = await o.prune();
      if (removed.length) o.log(`etcd snapshots pruned (retention): ${removed.join(', ')}`);
    } catch (err) {
      o.log(`etcd snapshot failed: ${(err as Error).message}`);
    }
  };
  arm();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
