// bench soak: a bounded soak of a whole `hyperkube up --multi-process` cluster (its own
// names and ports: testing/isolated.ts; loopback only) under mixed load with failures:
//  - writers create, update (with resourceVersion preconditions) and delete ConfigMaps,
//    one writer per key, recording every write and whether it was acknowledged;
//  - watchers list+watch the same ConfigMaps, resuming from the last resourceVersion they
//    saw whenever a stream ends (re-listing only on 410 Gone);
//  - an RC keeps a few pods running, so the scheduler, controllers and kubelet have work;
//  - every --kill-every, one component in turn (apiserver, controller-manager, scheduler,
//    kubelet, proxy, etcd) gets kill -9 by its pid and start time (procs.json); up restarts it.
// At the end, once the cluster answers again: every acknowledged write must be in the final
// state (acknowledged writes lost: 0), every watcher's view must equal a fresh list, and the
// RC's pods must be Running. Reported: writes, losses, 5xx answers (requests that found no
// apiserver are connection errors, counted apart), watch resumes, kills, apiserver RSS.
// There is no peer to anchor against: each figure has a target instead.
//
//   npm run bench -- soak [--duration 10m] [--kill-every 30s] [--writers 4] [--keys 40]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { Ledger, type Attempt, type WriteKind } from './soak-ledger.js';
import { NoAnswer, SoakHttp } from './soak-http.js';
import { absolute, report, round, type Figure } from './common.js';
import { readProcs } from '../cmd/procs-file.js';
import { signalIfSame, stillRunning } from '../cmd/proc-identity.js';

const NS = 'default';
const LABEL = 'soak=1';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const VICTIMS = ['apiserver', 'controller-manager', 'scheduler', 'kubelet', 'proxy', 'etcd'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(s)} (e.g. 20s, 10m)`);
  const n = Number(m[1]);
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

function flag(args: string[], name: string, def: string): string {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return def;
  const a = args[i];
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : (args[i + 1] ?? def);
}

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of a running component, checked against its recorded start time. */
function pidOf(cl: IsolatedCluster, component: string): number | undefined {
  const id = readProcs(cl.up.dataDir)?.[component];
  return id && stillRunning(id) ? id.pid : undefined;
}

interface Meta {
  name: string;
  resourceVersion: string;
}
const metaOf = (o: unknown) => (o as { metadata: Meta }).metadata;
const seqOf = (o: unknown) => Number((o as { data?: { seq?: string } }).data?.seq);

/** One writer: its own keys, each written in turn, every outcome in the ledger. */
async function writer(http: SoakHttp, ledger: Ledger, keys: string[], until: () => boolean, stats: { conflicts: number }): Promise<void> {
  const known = new Map<string, { rv?: string; exists: boolean; stale: boolean }>();
  for (const k of keys) known.set(k, { exists: false, stale: false });
  const settle = (a: Attempt, status: number) => {
    a.outcome = status >= 200 && status < 300 ? 'acked' : status >= 500 ? 'unknown' : 'refused';
  };
  while (!until()) {
    const key = keys[Math.floor(Math.random() * keys.length)];
    const k = known.get(key)!;
    try {
      if (k.stale) {
        // After an unanswered or refused write: learn what is stored before writing again.
        const r = await http.request('GET', `${CM}/${key}`);
        if (r.status === 200) Object.assign(k, { exists: true, rv: metaOf(r.body).resourceVersion, stale: false });
        else if (r.status === 404) Object.assign(k, { exists: false, rv: undefined, stale: false });
        else await sleep(200);
        continue;
      }
      const kind: WriteKind = !k.exists ? 'create' : Math.random() < 0.7 ? 'update' : 'delete';
      const a = ledger.begin(key, kind);
      const obj = (rv?: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: key, labels: { soak: '1' }, ...(rv ? { resourceVersion: rv } : {}) }, data: { seq: String(a.seq), pad: 'x'.repeat(200) } });
      let r;
      try {
        if (kind === 'create') r = await http.request('POST', CM, obj());
        else if (kind === 'update') r = await http.request('PUT', `${CM}/${key}`, obj(k.rv));
        // A precondition, so a delete delayed past a timeout can never remove a newer object.
        else r = await http.request('DELETE', `${CM}/${key}`, { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: k.rv } });
      } catch (err) {
        if (!(err instanceof NoAnswer)) throw err;
        k.stale = true;
        await sleep(200);
        continue;
      }
      settle(a, r.status);
      if (a.outcome === 'acked') {
        if (kind === 'delete') Object.assign(k, { exists: false, rv: undefined });
        else Object.assign(k, { exists: true, rv: metaOf(r.body).resourceVersion });
      } else {
        if (r.status === 409 || r.status === 404) stats.conflicts++;
        k.stale = true;
        if (r.status >= 500 || r.status === 429) await sleep(200);
      }
    } catch (err) {
      if (!(err instanceof NoAnswer)) throw err;
      await sleep(200);
    }
  }
}

/** A watcher: list, then watch from the list's resourceVersion, resuming after every end. */
class Watcher {
  readonly view = new Map<string, { rv: string; seq: number }>();
  lastRV = '';
  resumes = 0;
  relists = 0;
  disorder = 0;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly http: SoakHttp) {}

  start(): void {
    this.loop = this.run();
  }

  private async list(): Promise<void> {
    const r = await this.http.request('GET', `${CM}?labelSelector=${encodeURIComponent(LABEL)}`);
    if (r.status !== 200) throw new NoAnswer(`list ${r.status}`);
    const body = r.body as { metadata: { resourceVersion: string }; items: unknown[] };
    this.view.clear();
    for (const o of body.items) this.view.set(metaOf(o).name, { rv: metaOf(o).resourceVersion, seq: seqOf(o) });
    this.lastRV = body.metadata.resourceVersion;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.abort.signal.aborted) {
      try {
        if (needList) {
          await this.list();
          needList = false;
        }
        // A short server-side timeout too, so streams end and resume often.
        const path = `${CM}?watch=1&allowWatchBookmarks=true&timeoutSeconds=${20 + Math.floor(Math.random() * 20)}&labelSelector=${encodeURIComponent(LABEL)}&resourceVersion=${this.lastRV}`;
        let gone = false;
        const end = await this.http.watch(path, (ev) => {
          if (ev.type === 'ERROR') {
            if ((ev.object as { code?: number }).code === 410) gone = true;
            return;
          }
          const m = metaOf(ev.object);
          if (!/^\d+$/.test(m?.resourceVersion ?? '')) return;
          if (BigInt(m.resourceVersion) < BigInt(this.lastRV || '0')) this.disorder++;
          this.lastRV = m.resourceVersion;
          if (ev.type === 'BOOKMARK') return;
          if (ev.type === 'DELETED') this.view.delete(m.name);
          else this.view.set(m.name, { rv: m.resourceVersion, seq: seqOf(ev.object) });
        }, this.abort.signal);
        if (this.abort.signal.aborted) return;
        if (gone || end.status === 410) {
          this.relists++;
          needList = true;
        } else {
          this.resumes++;
          if (end.status !== undefined || end.error) await sleep(200);
        }
      } catch (err) {
        if (!(err instanceof NoAnswer)) throw err;
        await sleep(200);
      }
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}

/** Lists the soak's ConfigMaps until the apiserver answers: name → seq, and the list's resourceVersion. */
async function finalState(http: SoakHttp): Promise<{ finals: Map<string, number>; rv: string }> {
  for (let i = 0; ; i++) {
    try {
      const r = await http.request('GET', `${CM}?labelSelector=${encodeURIComponent(LABEL)}`);
      if (r.status === 200) {
        const body = r.body as { metadata: { resourceVersion: string }; items: unknown[] };
        return { finals: new Map(body.items.map((o) => [metaOf(o).name, seqOf(o)])), rv: body.metadata.resourceVersion };
      }
    } catch (err) {
      if (!(err instanceof NoAnswer) || i > 600) throw err;
    }
    await sleep(200);
  }
}

const RC = (replicas: number) => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'soak' },
  spec: {
    replicas,
    selector: { app: 'soak' },
    template: {
      metadata: { labels: { app: 'soak' } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '36000'] }] },
    },
  },
});

export async function main(args: string[] = []): Promise<void> {
  const durationMs = parseDuration(flag(args, 'duration', '10m'));
  const killEveryMs = parseDuration(flag(args, 'kill-every', '30s'));
  const writers = Number(flag(args, 'writers', '4'));
  const keysPer = Number(flag(args, 'keys', '40'));
  const pods = Number(flag(args, 'pods', '3'));
  const victims = flag(args, 'kill', VICTIMS.join(',')).split(',').filter(Boolean);
  for (const v of victims) if (!VICTIMS.includes(v)) throw new Error(`--kill: unknown component ${v} (of ${VICTIMS.join(', ')})`);

  console.log(`soak: ${durationMs / 1000}s, kill -9 every ${killEveryMs / 1000}s in turn: ${victims.join(', ')}; ${writers} writers x ${keysPer} keys, 2 watchers, an RC of ${pods}`);
  const cl = await startIsolated('soak', ['--multi-process']);
  const token = readFileSync(join(cl.up.dataDir, 'admin-token'), 'utf8').trim();
  const ca = readFileSync(join(cl.up.dataDir, 'pki', 'ca.crt'));
  const server = `https://127.0.0.1:${cl.up.ports.api}`;
  const http = new SoakHttp({ server, token, ca });
  const figures: Figure[] = [];
  const kills: string[] = [];
  /** When etcd was killed (ms since the epoch): 5xx right after are its outage. */
  const etcdKills: number[] = [];
  const rss: { pid: number; at: number; mib: number }[] = [];
  // Boxed, so that a failure is told apart from none whatever was thrown.
  let failure: { error: unknown } | undefined;
  try {
    const rc = await http.request('POST', `/api/v1/namespaces/${NS}/replicationcontrollers`, RC(pods));
    if (rc.status !== 201) throw new Error(`creating the RC: ${rc.status} ${JSON.stringify(rc.body).slice(0, 300)}`);
    const ledger = new Ledger();
    const stats = { conflicts: 0 };
    const watchers = [new Watcher(http), new Watcher(http)];
    for (const w of watchers) w.start();
    const t0 = Date.now();
    const end = t0 + durationMs;
    const until = () => Date.now() >= end;
    const sampler = setInterval(() => {
      const pid = pidOf(cl, 'apiserver');
      const mib = pid ? rssMiB(pid) : undefined;
      if (pid && mib !== undefined) rss.push({ pid, at: Date.now() - t0, mib });
    }, 2000);
    const chaos = (async () => {
      for (let i = 0; ; i++) {
        const next = t0 + (i + 1) * killEveryMs;
        // No kill in the last stretch: the end state is read from a settled cluster.
        if (next > end - Math.min(killEveryMs, 15_000)) return;
        await sleep(next - Date.now());
        const victim = victims[i % victims.length];
        // Only once every component is back from the previous kill; by pid and start time
        // (procs.json), so a pid the kernel gave to another process is never signalled.
        const running = () => VICTIMS.every((c) => {
          const id = readProcs(cl.up.dataDir)?.[c];
          return id !== undefined && stillRunning(id);
        });
        for (let j = 0; j < 600 && !running(); j++) await sleep(100);
        const id = readProcs(cl.up.dataDir)?.[victim];
        if (id && signalIfSame(id, 'SIGKILL')) {
          kills.push(`${victim}@${Math.round((Date.now() - t0) / 1000)}s`);
          if (victim === 'etcd') etcdKills.push(Date.now());
        }
      }
    })();
    const keys = (w: number) => Array.from({ length: keysPer }, (_, k) => `soak-w${w}-k${k}`);
    await Promise.all([chaos, ...Array.from({ length: writers }, (_, w) => writer(http, ledger, keys(w), until, stats))]);
    const wallS = (Date.now() - t0) / 1000;
    clearInterval(sampler);

    // Settled: the final state, then each watcher must come to see exactly it.
    const { finals } = await finalState(http);
    const lost = ledger.lost(finals);
    let mismatched = 0;
    for (const w of watchers) {
      const deadline = Date.now() + 60_000;
      const same = () => w.view.size === finals.size && [...finals].every(([n, s]) => w.view.get(n)?.seq === s);
      while (!same() && Date.now() < deadline) await sleep(200);
      if (!same()) mismatched++;
    }
    for (const w of watchers) await w.stop();
    const podsRunning = await (async () => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const r = await http.request('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dsoak`).catch(() => undefined);
        const items = ((r?.body as { items?: { status?: { phase?: string }; metadata?: { deletionTimestamp?: string } }[] })?.items ?? []).filter((p) => !p.metadata?.deletionTimestamp);
        const running = items.filter((p) => p.status?.phase === 'Running').length;
        if ((running === pods && items.length === pods) || Date.now() > deadline) return running;
        await sleep(500);
      }
    })();

    const acked = ledger.acknowledged();
    const fiveXX = http.serverErrors.length;
    // etcd is back within a few seconds (supervisor back-off 1 s + start); 10 s is generous.
    const unexplained = http.serverErrors.filter((e) => !etcdKills.some((k) => e.at >= k && e.at - k < 10_000)).length;
    const byStatus = [...http.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(' ');
    // Per apiserver process: growth from its first sample a minute into its life (past the
    // warm-up: caches filling, JIT) to its last.
    const lives = new Map<number, { first: number; last: number; mibFirst: number; mibLast: number; born: number }>();
    for (const s of rss) {
      const l = lives.get(s.pid);
      if (!l) lives.set(s.pid, { first: s.at, last: s.at, mibFirst: s.mib, mibLast: s.mib, born: s.at });
      else if (l.first - l.born < 60_000 && s.at - l.born >= 60_000) Object.assign(l, { first: s.at, mibFirst: s.mib, last: s.at, mibLast: s.mib });
      else Object.assign(l, { last: s.at, mibLast: s.mib });
    }
    const longest = [...lives.values()].sort((a, b) => b.last - b.first - (a.last - a.first))[0];
    const note = 'no peer runs this soak; target only';
    figures.push(
      absolute({ name: 'acknowledged writes', unit: 'writes', value: acked, target: '> 0' }, (v) => v > 0),
      absolute({ name: 'write throughput', unit: 'writes/s', value: acked / wallS, target: '-' }, () => true),
      absolute({ name: 'acknowledged writes lost', unit: 'writes', value: lost.length, target: '0' }, (v) => v === 0),
      absolute({ name: 'watchers whose view differs from the final list', unit: 'watchers', value: mismatched, target: '0' }, (v) => v === 0),
      absolute({ name: 'watch events out of resourceVersion order', unit: 'events', value: watchers.reduce((n, w) => n + w.disorder, 0), target: '0' }, (v) => v === 0),
      absolute({ name: 'server 5xx answers', unit: 'answers', value: fiveXX, target: '0' }, (v) => v === 0),
      absolute({ name: 'server 5xx answers not within 10 s of an etcd kill', unit: 'answers', value: unexplained, target: '0' }, (v) => v === 0),
      absolute({ name: 'requests with no answer (component down)', unit: 'requests', value: http.noAnswer, target: '-' }, () => true),
      absolute({ name: 'watch resumes from a resourceVersion', unit: 'resumes', value: watchers.reduce((n, w) => n + w.resumes, 0), target: '> 0' }, (v) => v > 0),
      absolute({ name: 'watch re-lists (410 Gone)', unit: 'relists', value: watchers.reduce((n, w) => n + w.relists, 0), target: '-' }, () => true),
      absolute({ name: 'components killed (kill -9)', unit: 'kills', value: kills.length, target: durationMs >= 4 * killEveryMs ? '>= 3' : '-' }, (v) => durationMs < 4 * killEveryMs || v >= 3),
      absolute({ name: 'RC pods Running at the end', unit: 'pods', value: podsRunning, target: String(pods) }, (v) => v === pods),
    );
    if (rss.length) {
      figures.push(
        absolute({ name: 'apiserver RSS at start', unit: 'MiB', value: rss[0].mib, target: '-' }, () => true),
        absolute({ name: 'apiserver RSS at end', unit: 'MiB', value: rss[rss.length - 1].mib, target: '-' }, () => true),
      );
      if (longest) {
        const growth = longest.mibLast - longest.mibFirst;
        figures.push(absolute({ name: `apiserver RSS growth over its longest life, after its first minute (${round((longest.last - longest.first) / 1000, 0)}s)`, unit: 'MiB', value: growth, target: '< 64' }, (v) => v < 64));
      }
    }
    for (const f of figures) f.note = note;
    console.log(`answers by status: ${byStatus}; conflicts/not-found resolved by re-reading: ${stats.conflicts}`);
    console.log(`kills: ${kills.join(' ')}`);
    console.log(`apiserver lives (pid: first→last sample, MiB): ${[...lives].map(([pid, l]) => `${pid}: ${round(l.mibFirst, 1)}→${round(l.mibLast, 1)} over ${round((l.last - l.first) / 1000, 0)}s`).join('; ')}`);
    for (const e of http.serverErrors.slice(0, 10)) console.log(`5xx at ${Math.round((e.at - t0) / 1000)}s: ${e.status} ${e.what}`);
    for (const l of lost.slice(0, 10)) console.log(`LOST ${l.key}: final ${l.final}, last writes ${JSON.stringify(l.history)}`);
  } catch (err) {
    failure = { error: err };
  } finally {
    http.close();
    try {
      await cl.teardown();
    } catch (err) {
      console.error(`teardown: ${(err as Error).message}`);
      failure ??= { error: err };
    }
  }
  if (failure) {
    console.error(cl.up.output().slice(-4000));
    throw failure.error;
  }
  report('soak', figures);
  if (figures.some((f) => f.met === false)) process.exitCode = 1;
}
