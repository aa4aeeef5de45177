// Node's setTimeout fires at once (after 1 ms) for any delay above 2^31-1 ms (~24.8 days): a
// requeue for a yearly CronJob or a month-long activeDeadlineSeconds would spin. Controllers that
// requeue for a far-off time wait at most this long, then sync again and requeue for what is left.

export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export function timerDelay(ms: number): number {
  return Math.max(0, Math.min(ms, MAX_TIMER_DELAY_MS));
}
