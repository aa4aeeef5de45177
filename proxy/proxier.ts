// The Proxier keeps the kernel's service rules equal to the Services and
// Endpoints it is told about. It is driven by plain calls (whole lists or
// single watch events), so any adapter — the informer, a test, a benchmark —
// can feed it.
//
// Each sync renders the whole ruleset and applies it as ONE
// `iptables-restore --noflush` batch (filter + nat). A full sync declares every
// chain of ours (which flushes and refills it atomically) and deletes the stale
// ones; in between, like kube-proxy's MinimizeIPTablesRestore, the batch holds
// only the chains whose content changed since the last successful sync, so an
// endpoint change costs a few chains, not the whole table. Syncs are coalesced
// and never closer than minSyncIntervalMs.
//
// Full syncs (the first, after a failure, and every fullSyncIntervalMs) read
// iptables-save to learn what exists: stale chains are deleted and missing jump
// rules in the built-in chains are inserted (-I) in that same batch.
//
// Objects passed in are treated as immutable: a Service or Endpoints whose
// object is the same as last sync is not re-rendered (the informer hands out a
// new object for every change; do not mutate one in place).

import type { Registry } from 'prom-client';
import type { Endpoints, Service } from '../api/core.js';
import type { WatchEventType } from '../api/meta.js';
import { ChainNames } from './chains.js';
import { savedChains, splitRule, type Iptables } from './iptables.js';
import { insertLine, jumpKey, jumpRules, type Table } from './jumps.js';
import { proxyMetrics, type ProxyMetrics } from './metrics.js';
import { RenderCache, renderTables, ruleCount, tableText, type RenderedTable } from './render.js';

export interface ProxierOptions {
  iptables: Iptables;
  /** Chain prefix, default "KUBE". Tests use a unique one. */
  chainPrefix?: string;
  /** Pod network: ClusterIP traffic from outside it is masqueraded. */
  clusterCIDR?: string;
  /** Service CIDR: connections to VIPs in it that no rule DNATs are rejected. */
  serviceCIDR?: string;
  /** Addresses NodePorts answer on; default every local address. */
  nodePortAddresses?: string[];
  masqueradeMark?: string;
  /** Never start two syncs closer than this (default 100 ms). */
  minSyncIntervalMs?: number;
  /** Rewrite every chain and re-check the jump rules this often (default 5 min). */
  fullSyncIntervalMs?: number;
  /** healthz() fails once changes have waited longer than this for a successful sync (default 60 s). */
  healthTimeoutMs?: number;
  /** Retry delay after a failed restore (default 1 s). */
  retryDelayMs?: number;
  metricsRegistry?: Registry;
  log?: (message: string) => void;
}

export interface SyncResult {
  mode: 'full' | 'partial' | 'none';
  /** Chains written (declared) in the batch. */
  chainsWritten: number;
  /** Stale chains deleted. */
  chainsDeleted: number;
  durationMs: number;
}

export interface Health {
  healthy: boolean;
  /** Unix ms of the last successful sync, if any. */
  lastSyncAt?: number;
  /** Unix ms since which changes wait for a sync, if any. */
  pendingSince?: number;
  lastError?: string;
}

/** Per table: chain → its rule lines, as last applied. */
type Applied = Record<Table, Map<string, readonly string[]>>;

/** Same rules? Cached fragments make unchanged chains the very same array. */
function sameRules(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (a === b) return true;
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function objectKey(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace || 'default'}/${o.metadata.name ?? ''}`;
}

export class Proxier {
  private readonly ipt: Iptables;
  private readonly names: ChainNames;
  private readonly minInterval: number;
  private readonly fullInterval: number;
  private readonly healthTimeout: number;
  private readonly retryDelay: number;
  private readonly metrics: ProxyMetrics;
  private readonly log: (message: string) => void;

  private readonly services = new Map<string, Service>();
  private readonly endpoints = new Map<string, Endpoints>();
  private servicesSynced = false;
  private endpointsSynced = false;

  /** Chain contents as last applied successfully; undefined = unknown (read iptables-save). */
  private applied?: Applied;
  private needFull = true;
  private lastFullAt = 0;
  private randomFully?: boolean;
  private readonly cache = new RenderCache();

  private dirty = false;
  private pendingSince?: number;
  /** pendingSince of the changes the running sync is applying. */
  private inflightSince?: number;
  private lastSyncStart = 0;
  private lastSyncAt?: number;
  private lastError?: string;
  private timer?: NodeJS.Timeout;
  private fullTimer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: ProxierOptions) {
    this.ipt = opts.iptables;
    this.names = new ChainNames(opts.chainPrefix);
    this.minInterval = opts.minSyncIntervalMs ?? 100;
    this.fullInterval = opts.fullSyncIntervalMs ?? 5 * 60_000;
    this.healthTimeout = opts.healthTimeoutMs ?? 60_000;
    this.retryDelay = opts.retryDelayMs ?? 1000;
    this.metrics = proxyMetrics(opts.metricsRegistry);
    this.log = opts.log ?? ((m) => process.stderr.write(`proxy: ${m}\n`));
    this.fullTimer = setInterval(() => {
      this.needFull = true;
      this.requestSync();
    }, this.fullInterval);
    this.fullTimer.unref();
  }

  get chainPrefix(): string {
    return this.names.prefix;
  }

  // ------------------------------------------------------------ inputs

  /** Replace every known Service (an initial list or a re-list). */
  onServices(list: Service[]): void {
    this.services.clear();
    for (const s of list) this.services.set(objectKey(s), s);
    this.servicesSynced = true;
    this.requestSync();
  }

  /** Replace every known Endpoints (an initial list or a re-list). */
  onEndpoints(list: Endpoints[]): void {
    this.endpoints.clear();
    for (const e of list) this.endpoints.set(objectKey(e), e);
    this.endpointsSynced = true;
    this.requestSync();
  }

  /** One watch event for a Service. */
  updateService(type: WatchEventType, svc: Service): void {
    if (type === 'BOOKMARK' || type === 'ERROR') return;
    if (type === 'DELETED') this.services.delete(objectKey(svc));
    else this.services.set(objectKey(svc), svc);
    this.requestSync();
  }

  /** One watch event for an Endpoints. */
  updateEndpoints(type: WatchEventType, ep: Endpoints): void {
    if (type === 'BOOKMARK' || type === 'ERROR') return;
    if (type === 'DELETED') this.endpoints.delete(objectKey(ep));
    else this.endpoints.set(objectKey(ep), ep);
    this.requestSync();
  }

  // ------------------------------------------------------------ scheduling

  /**
   * Note that state changed. Nothing is applied before both initial lists
   * arrived: an empty ruleset would wipe the rules a previous run left live.
   */
  private requestSync(): void {
    if (this.stopped) return;
    this.dirty = true;
    this.pendingSince ??= Date.now();
    if (!this.servicesSynced || !this.endpointsSynced) return;
    if (this.running || this.timer) return; // the running sync re-checks `dirty` when done
    const wait = Math.max(0, this.lastSyncStart + this.minInterval - performance.now());
    // A 0 ms timer still coalesces every change made in the same tick.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runSync();
    }, wait);
  }

  private runSync(): Promise<void> {
    const run = (async () => {
      this.dirty = false;
      this.inflightSince = this.pendingSince ?? Date.now();
      this.pendingSince = undefined;
      this.lastSyncStart = performance.now();
      try {
        await this.syncOnce();
        this.lastError = undefined;
        this.inflightSince = undefined;
      } catch (err) {
        this.lastError = (err as Error).message;
        this.metrics.restoreFailures.inc();
        this.log(`sync failed, retrying in ${this.retryDelay} ms: ${this.lastError}`);
        // The kernel state is unknown now: re-read it and rewrite everything.
        this.applied = undefined;
        this.needFull = true;
        this.dirty = true;
        this.pendingSince = Math.min(this.inflightSince ?? Date.now(), this.pendingSince ?? Infinity);
        this.inflightSince = undefined;
        this.lastSyncStart = performance.now() + this.retryDelay - this.minInterval;
      }
    })();
    this.running = run.finally(() => {
      this.running = undefined;
      if (this.dirty) this.requestSync();
      else for (const w of this.idleWaiters.splice(0)) w();
    });
    return this.running;
  }

  /**
   * Sync now (after any sync in flight), without waiting for the rate limit.
   * Resolves when done; rejects only if stopped. Errors are kept for healthz().
   */
  async sync(): Promise<void> {
    while (this.running) await this.running;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.runSync();
  }

  /** Resolves once no change is waiting and no sync is running. */
  settled(): Promise<void> {
    if (!this.dirty && !this.running && !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop scheduling syncs (rules stay in place, as after kill -9). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.fullTimer) clearInterval(this.fullTimer);
    this.timer = this.fullTimer = undefined;
    while (this.running) await this.running;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  // ------------------------------------------------------------ the sync

  /** Render, diff against what is applied, and apply one batch. */
  private async syncOnce(): Promise<SyncResult> {
    const t0 = performance.now();
    this.randomFully ??= await this.ipt.supportsRandomFully();
    const full = this.needFull || !this.applied || Date.now() - this.lastFullAt >= this.fullInterval;

    // A full sync reads the kernel's state (iptables-save): which chains of ours
    // exist (stale ones get deleted) and which jump rules are missing (they are
    // inserted in the same batch, so one iptables-restore does everything).
    // A partial sync trusts what it applied last.
    // Both saves run (as child processes) while this process renders.
    const saves = full ? Promise.all([this.ipt.save('nat'), this.ipt.save('filter')]) : undefined;
    saves?.catch(() => {}); // awaited below; keeps a failure from being "unhandled" meanwhile
    // Let the saves' spawns happen (a few promise hops) before the synchronous render.
    if (saves) await new Promise((r) => setImmediate(r));

    const tables = renderTables({
      services: [...this.services.values()],
      endpoints: [...this.endpoints.values()],
      chainPrefix: this.names.prefix,
      clusterCIDR: this.opts.clusterCIDR,
      serviceCIDR: this.opts.serviceCIDR,
      nodePortAddresses: this.opts.nodePortAddresses,
      masqueradeMark: this.opts.masqueradeMark,
      randomFully: this.randomFully,
      cache: this.cache,
    });

    let existing: Applied;
    const missingJumps: Record<Table, string[]> = { nat: [], filter: [] };
    if (saves) {
      existing = { nat: new Map(), filter: new Map() };
      const present = new Set<string>();
      const [natSaved, filterSaved] = await saves;
      for (const [table, saved] of [['nat', natSaved], ['filter', filterSaved]] as const) {
        for (const c of savedChains(saved)) if (this.names.owns(c)) existing[table].set(c, []);
        for (const line of saved.split('\n')) {
          // Only rules outside our chains that jump into them can be our jumps.
          if (!line.startsWith('-A ') || line.startsWith(`-A ${this.names.prefix}-`) || !line.includes(`-j ${this.names.prefix}-`)) continue;
          const args = splitRule(line);
          present.add(jumpKey(table, args[1], args.slice(2)));
        }
      }
      for (const j of jumpRules(this.names)) {
        if (!present.has(jumpKey(j.table, j.chain, j.args))) missingJumps[j.table].push(insertLine(j));
      }
    } else {
      existing = this.applied!;
    }

    const next: Applied = { nat: new Map(), filter: new Map() };
    let text = '';
    let written = 0;
    let deleted = 0;
    for (const t of [tables.filter, tables.nat] as RenderedTable[]) {
      const before = existing[t.name];
      for (const [chain, rules] of t.chains) next[t.name].set(chain, rules);
      t.deleted = [...before.keys()].filter((c) => this.names.isPerService(c) && !t.chains.has(c)).sort();
      const changed = full ? undefined : (chain: string) => !sameRules(before.get(chain), t.chains.get(chain)!);
      const chains = [...t.chains.keys()].filter((c) => !changed || changed(c));
      const extra = missingJumps[t.name];
      if (chains.length === 0 && t.deleted.length === 0 && extra.length === 0) continue;
      text += tableText(t, changed, extra);
      written += chains.length;
      deleted += t.deleted.length;
    }

    if (text) await this.ipt.restore(text, { noflush: true });
    this.applied = next;
    if (full) {
      this.needFull = false;
      this.lastFullAt = Date.now();
    }

    const durationMs = performance.now() - t0;
    const mode = text ? (full ? 'full' : 'partial') : 'none';
    this.lastSyncAt = Date.now();
    this.metrics.syncDuration.observe({ mode: full ? 'full' : 'partial' }, durationMs / 1000);
    this.metrics.rulesTotal.set({ table: 'nat' }, ruleCount(tables.nat));
    this.metrics.rulesTotal.set({ table: 'filter' }, ruleCount(tables.filter));
    this.metrics.lastSyncTimestamp.set(this.lastSyncAt / 1000);
    this.lastResult = { mode, chainsWritten: written, chainsDeleted: deleted, durationMs };
    return this.lastResult;
  }

  /** What the last successful sync did. */
  lastResult?: SyncResult;

  // ------------------------------------------------------------ health and cleanup

  /** Unhealthy when changes have waited longer than healthTimeoutMs without a successful sync. */
  healthz(now = Date.now()): Health {
    const since = Math.min(this.inflightSince ?? Infinity, this.pendingSince ?? Infinity);
    const pendingSince = Number.isFinite(since) ? since : undefined;
    return {
      healthy: pendingSince === undefined || now - pendingSince <= this.healthTimeout,
      lastSyncAt: this.lastSyncAt,
      pendingSince,
      lastError: this.lastError,
    };
  }

  /** Remove every chain and jump of this prefix (kube-proxy --cleanup). Stops the proxier first. */
  async cleanup(): Promise<string[]> {
    await this.stop();
    this.applied = undefined;
    return this.ipt.deleteChains(this.names.prefix);
  }
}
