// One pod's way from POST to Running, cut into steps (bench pods): the bench's own clock for
// what a client sees (POST answered, a watch sees it bound, a watch sees it Running) and the
// runtime's own records on disk for what happens on the node (the kubelet begins the sandbox,
// the sandbox is up with its network, the container's process started). All are wall-clock
// (CLOCK_REALTIME) milliseconds of this one machine, so they line up.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Milliseconds on the wall clock, with the monotonic clock's resolution. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface PodPathTimes {
  /** The bench sends the POST. */
  post: number;
  /** The POST is answered (the pod is in etcd). */
  created: number;
  /** The bench's watch sees spec.nodeName set (scheduled and bound). */
  bound: number;
  /** The kubelet begins the sandbox: the pause process's config is written (the file's mtime,
   *  which the kernel stamps at its tick, a few ms coarse). */
  sandboxBegun: number;
  /** The sandbox is up with its network (the runtime's sandbox record). */
  sandboxReady: number;
  /** The container's process started (the shim's monitor stamps it). */
  containerStarted: number;
  /** The bench's watch sees phase Running. */
  running: number;
}

/** The steps in order, each from one time to the next: [figure suffix, from, to, what it holds]. */
export const POD_PATH_STEPS: [string, keyof PodPathTimes, keyof PodPathTimes, string][] = [
  ['create', 'post', 'created', 'POST answered'],
  ['schedule_bind', 'created', 'bound', 'scheduler sees it, binds; a watch sees nodeName'],
  ['kubelet_pickup', 'bound', 'sandboxBegun', 'kubelet sees the bound pod, admits it, prepares the sandbox'],
  ['sandbox_start', 'sandboxBegun', 'sandboxReady', 'pause process, netns, veth, address'],
  ['container_start', 'sandboxReady', 'containerStarted', 'container created and its process started'],
  ['status_to_watch', 'containerStarted', 'running', 'kubelet sees it started, writes status; a watch sees Running'],
];

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function startedNs(path: string): number | undefined {
  try {
    const m = /^started_ns=(\d+)$/m.exec(readFileSync(path, 'utf8'));
    return m ? Number(BigInt(m[1]) / 1000n) / 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The node-side times of the pod with this uid, from the runtime's state dir (its latest sandbox
 *  and that sandbox's first container), or undefined while any of them is missing. */
export function nodeTimes(stateDir: string, podUid: string): Pick<PodPathTimes, 'sandboxBegun' | 'sandboxReady' | 'containerStarted'> | undefined {
  const list = (dir: string) => { try { return readdirSync(dir); } catch { return []; } };
  let sandbox: { id: string; createdAt: number } | undefined;
  for (const id of list(join(stateDir, 'sandboxes'))) {
    const r = readJson<{ id: string; createdAt: number; config: { metadata: { uid: string } } }>(join(stateDir, 'sandboxes', id, 'sandbox.json'));
    if (r?.config.metadata.uid === podUid && (!sandbox || r.createdAt > sandbox.createdAt)) sandbox = r;
  }
  if (!sandbox) return undefined;
  let begun: number;
  try {
    begun = statSync(join(stateDir, 'sandboxes', sandbox.id, 'pause.conf')).mtimeMs;
  } catch {
    return undefined;
  }
  let started: number | undefined;
  for (const id of list(join(stateDir, 'containers'))) {
    const c = readJson<{ sandboxId: string }>(join(stateDir, 'containers', id, 'container.json'));
    if (c?.sandboxId !== sandbox.id) continue;
    const t = startedNs(join(stateDir, 'containers', id, 'started'));
    if (t !== undefined && (started === undefined || t < started)) started = t;
  }
  if (started === undefined) return undefined;
  return { sandboxBegun: begun, sandboxReady: sandbox.createdAt, containerStarted: started };
}

/** Per step, its duration in each run. */
export function stepSamples(runs: PodPathTimes[]): Map<string, number[]> {
  return new Map(POD_PATH_STEPS.map(([name, from, to]) => [name, runs.map((r) => r[to] - r[from])]));
}
