// The event TTL controller: deletes Events whose last occurrence is older than the TTL
// (kube-apiserver's --event-ttl, 1 h by default), so the Event list does not grow forever.

import { isNotFound } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';

export interface EventTTLCleanerOptions {
  ttlMs?: number;
  periodMs?: number;
  log?: (m: string) => void;
}

/** Deletes Events whose last occurrence is older than the TTL (default 1 h), every period (default 1 min). */
export function startEventTTLCleaner(client: RestClient, opts: EventTTLCleanerOptions = {}): { stop(): Promise<void>; runOnce(): Promise<number> } {
  const ttl = opts.ttlMs ?? 3600_000;
  const period = opts.periodMs ?? 60_000;
  let running: Promise<number> | undefined;
  const runOnce = async (): Promise<number> => {
    const list = await client.events().listAll();
    const cutoff = Date.now() - ttl;
    let n = 0;
    for (const ev of list.items) {
      const last = ev.lastTimestamp || ev.eventTime || ev.series?.lastObservedTime || ev.metadata?.creationTimestamp;
      const t = last ? Date.parse(last) : NaN;
      if (Number.isNaN(t) || t >= cutoff) continue;
      try {
        await client.events(ev.metadata?.namespace).delete(ev.metadata?.name ?? '');
        n++;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return n;
  };
  const timer = setInterval(() => {
    if (running) return;
    running = runOnce()
      .catch((err) => {
        (opts.log ?? console.error)(`event-ttl: ${err instanceof Error ? err.message : String(err)}`);
        return 0;
      })
      .finally(() => (running = undefined));
  }, period);
  timer.unref?.();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
