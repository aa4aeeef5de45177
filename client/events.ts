// EventRecorder: how components report what they did as core/v1 Events, with
// client-go's EventCorrelator de-duplication — an event whose involved object,
// type, reason, message and source equal an earlier one becomes a PATCH of that
// Event's count and lastTimestamp instead of a new object; from the 10th event that
// differs only by message (same object, type, reason) within 10 minutes, one
// "(combined from similar events)" Event counts them all; and a token bucket per
// source, object, type and reason (burst 25, one more every 5 minutes) drops the
// rest, so a controller creating 200 pods writes 25 events, not 200. Events are sent in
// the background (a recorder never blocks its caller) with bounded concurrency;
// an Event that cannot be written is dropped, logged once per back-off window.
// Shared by every component that records events (controllers, scheduler, kubelet);
// the TTL cleaner that deletes old Events is a controller (controllers/event-ttl.ts).

import type { Event, ObjectReference } from '../api/core.js';
import type { ObjectMeta } from '../api/meta.js';
import { isNotFound } from './errors.js';
import type { RestClient } from './rest.js';
import { FailureLog } from './failure-log.js';

export interface EventRecorderOptions {
  component: string;
  host?: string;
  reportingInstance?: string;
  /** Requests in flight at most (default 5); more events wait their turn. */
  concurrency?: number;
  /** Correlation cache size (client-go: 4096). */
  cacheSize?: number;
  /** Spam filter: events per source+object+type+reason at once (client-go: 25)... */
  spamBurst?: number;
  /** ...and the refill rate afterwards (client-go: one per 5 minutes). */
  spamQps?: number;
  /** Distinct messages of one source+object+type+reason before they are combined (client-go: 10)... */
  aggregateMaxEvents?: number;
  /** ...within this window (client-go: 10 minutes). */
  aggregateIntervalMs?: number;
  log?: (m: string) => void;
}

export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export type EventType = 'Normal' | 'Warning';

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

export function objectReference(obj: InvolvedObject): ObjectReference {
  const m = obj.metadata ?? {};
  return {
    kind: obj.kind,
    apiVersion: obj.apiVersion,
    ...(m.namespace ? { namespace: m.namespace } : {}),
    name: m.name,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
  };
}

interface Bucket {
  tokens: number;
  at: number;
}

interface Similar {
  messages: Set<string>;
  at: number;
}

export const COMBINED_PREFIX = '(combined from similar events): ';

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly similar = new Map<string, Similar>();
  /** The last send per correlation key: sends of one key run in order, so counts never go backwards. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending: (() => Promise<void>)[] = [];
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly failures: FailureLog;

  constructor(
    private readonly client: RestClient,
    private readonly opts: EventRecorderOptions,
  ) {
    this.failures = new FailureLog((m) => (opts.log ?? console.error)(m));
  }

  /** Record an event about obj (sent in the background). */
  event(obj: InvolvedObject, type: EventType, reason: string, message: string): void {
    if (this.closed) return;
    const ref = objectReference(obj);
    const similarKey = JSON.stringify([this.opts.component, this.opts.host ?? '', ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, type, reason]);
    if (!this.allow(similarKey)) return;
    // Past the limit of distinct messages, every one of them counts on one combined Event.
    if (this.combine(similarKey, message)) message = `${COMBINED_PREFIX}${message}`;
    const key = message.startsWith(COMBINED_PREFIX) ? `${similarKey}/combined` : this.correlationKey(ref, type, reason, message);
    const prev = this.chains.get(key);
    const job = async () => {
      await prev;
      // Events that cannot be written (a namespace being terminated, an apiserver away) are
      // dropped, as client-go's broadcaster does after its retries; logged once per back-off window.
      const where = ref.namespace || 'default';
      try {
        await this.send(key, ref, type, reason, message);
        this.failures.succeeded(where);
      } catch (err) {
        this.failures.failed(where, `events: writing ${reason} for ${ref.kind} ${where}/${ref.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const done: Promise<void> = new Promise<void>((resolve) => this.enqueue(() => job().finally(resolve))).finally(() => {
      if (this.chains.get(key) === done) this.chains.delete(key);
    });
    this.chains.set(key, done);
  }

  eventf(obj: InvolvedObject, type: EventType, reason: string, fmt: string, ...args: unknown[]): void {
    let i = 0;
    this.event(obj, type, reason, fmt.replace(/%[vsd]/g, () => String(args[i++])));
  }

  /** Resolves when every queued event has been sent (or failed). */
  flush(): Promise<void> {
    if (this.active === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private enqueue(job: () => Promise<void>): void {
    this.pending.push(job);
    this.pump();
  }

  private pump(): void {
    const max = this.opts.concurrency ?? 5;
    while (this.active < max && this.pending.length) {
      const job = this.pending.shift()!;
      this.active++;
      job()
        .catch((err) => (this.opts.log ?? console.error)(`events: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.pending.length === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  /** The spam filter: a token bucket per source, object, type and reason. */
  private allow(key: string): boolean {
    const burst = this.opts.spamBurst ?? 25;
    const qps = this.opts.spamQps ?? 1 / 300;
    const now = Date.now();
    let b = this.buckets.get(key);
    if (b) {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * qps);
      b.at = now;
      this.buckets.delete(key); // re-inserted below: the Map's order is least recently used first
    } else b = { tokens: burst, at: now };
    this.buckets.set(key, b);
    this.bound(this.buckets);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** The aggregator: true once this message is one of too many similar ones in the window. */
  private combine(key: string, message: string): boolean {
    const max = this.opts.aggregateMaxEvents ?? 10;
    const now = Date.now();
    let e = this.similar.get(key);
    if (!e || now - e.at > (this.opts.aggregateIntervalMs ?? 600_000)) e = { messages: new Set(), at: now };
    this.similar.delete(key);
    this.similar.set(key, e);
    this.bound(this.similar);
    e.at = now;
    e.messages.add(message);
    return e.messages.size >= max;
  }

  private bound(m: Map<string, unknown>): void {
    const max = this.opts.cacheSize ?? 4096;
    while (m.size > max) m.delete(m.keys().next().value as string);
  }

  private correlationKey(ref: ObjectReference, type: string, reason: string, message: string): string {
    return JSON.stringify([this.opts.component, this.opts.host ?? '', ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, type, reason, message]);
  }

  private async send(key: string, ref: ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z'); // metav1.Time: RFC 3339, whole seconds
    const namespace = ref.namespace || 'default';
    const prior = this.seen.get(key);
    const events = this.client.events(namespace);
    if (prior) {
      prior.count++;
      try {
        // A combined Event shows the latest of the messages it counts.
        await events.patch(prior.name, { count: prior.count, lastTimestamp: now, ...(message.startsWith(COMBINED_PREFIX) ? { message } : {}) }, 'merge');
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The Event expired or was deleted: start a new one.
      }
    }
    const name = `${ref.name}.${(BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.reportingInstance ?? this.opts.host ?? '',
    };
    await events.create(ev);
    this.seen.set(key, { name, namespace, count: 1, firstTimestamp: now });
    // A bounded cache, oldest dropped first (Map keeps insertion order).
    const max = this.opts.cacheSize ?? 4096;
    while (this.seen.size > max) this.seen.delete(this.seen.keys().next().value as string);
  }
}
