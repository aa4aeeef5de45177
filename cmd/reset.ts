// `hyperkube reset`: stop a running `up` (and exactly the processes it started, by pid
// and start time: procs-file.ts) and remove everything tskube made on this
// host — containers, their cgroups and mounts, the pod bridge and its iptables chains,
// the Service rules and route, state and data directories — leaving the host as before.

import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { Runtime } from '../runtime/runtime.js';
import { removeAllPods } from '../runtime/reset.js';
import { createImageService } from '../runtime/images/index.js';
import { createPodNetwork } from '../runtime/network/index.js';
import { ExecIptables } from '../proxy/iptables.js';
import { removeDummyRoute } from '../proxy/node-setup.js';
import { parseFlags } from './flags.js';
import { PROCS_FILE, UP_PID_FILE, readProcs } from './procs-file.js';
import { signalIfSame, stillRunning, type ProcIdentity } from './proc-identity.js';

const FLAGS = {
  'data-dir': { type: 'string', default: '/var/lib/tskube', help: 'data dir of `up` (etcd, certificates, kubeconfig, images, containers, kubelet); the processes recorded there are stopped first' },
  'state-dir': { type: 'string', default: '/run/tskube', help: 'runtime state dir' },
  'log-dir': { type: 'string', default: '/var/log/pods', help: 'container logs' },
  'cgroup-root': { type: 'string', default: 'tskube', help: 'cgroup tree of the pods' },
  bridge: { type: 'string', default: 'cbr0', help: 'pod bridge' },
  'chain-prefix': { type: 'string', default: 'TSKUBE', help: 'prefix of the pod network iptables chains' },
  'proxy-chain-prefix': { type: 'string', default: 'KUBE', help: 'prefix of the Service iptables chains' },
  'service-device': { type: 'string', default: 'tkube-svc0', help: 'device the Service CIDR is routed to' },
} as const;

const execFileP = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM to each recorded process that is still the one recorded (same pid and start
 * time), then SIGKILL to any still running after `graceMs`. A pid now used by another
 * process is never signalled.
 */
async function stopRecorded(procs: [string, ProcIdentity][], graceMs: number, say: (m: string) => void): Promise<void> {
  const left: [string, ProcIdentity][] = [];
  for (const [name, id] of procs) {
    if (!stillRunning(id)) continue;
    if (!signalIfSame(id, 'SIGTERM')) continue;
    say(`stopping ${name} (pid ${id.pid})`);
    left.push([name, id]);
  }
  const deadline = Date.now() + graceMs;
  while (left.some(([, id]) => stillRunning(id)) && Date.now() < deadline) await sleep(100);
  for (const [name, id] of left) if (signalIfSame(id, 'SIGKILL')) say(`${name} (pid ${id.pid}) did not stop in ${graceMs / 1000}s: killed`);
  for (let i = 0; i < 50 && left.some(([, id]) => stillRunning(id)); i++) await sleep(100);
}

/**
 * Stops what `up` started, as recorded in procs.json: `up` first (it stops its children
 * in order), then any child still running, e.g. the etcd of an `up` killed with kill -9.
 */
async function stopUp(dataDir: string, say: (m: string) => void): Promise<void> {
  const procs = readProcs(dataDir);
  if (!procs) {
    if (existsSync(join(dataDir, UP_PID_FILE))) say(`${UP_PID_FILE} without ${PROCS_FILE} (an older up?): its pid cannot be proven to be up's, not signalled`);
    return;
  }
  const { up, ...children } = procs;
  // up's own shutdown is bounded at 20 s; past that it is killed.
  if (up) await stopRecorded([['hyperkube up', up]], 30_000, say);
  await stopRecorded(Object.entries(children), 10_000, say);
}

/**
 * The proxy turned net.ipv4.conf.all.route_localnet on behind its localnet guard. With the
 * guard gone, a 1 there would leave loopback services open to every bridged device: set it
 * back to 0 unless another guard (another cluster's proxy, kube-proxy) still needs it.
 */
async function restoreRouteLocalnet(): Promise<string> {
  const path = '/proc/sys/net/ipv4/conf/all/route_localnet';
  if ((await readFile(path, 'utf8').catch(() => '0')).trim() !== '1') return 'route_localnet was not on';
  const filter = (await execFileP('iptables-save', ['-t', 'filter'])).stdout;
  if (filter.split('\n').some((l) => l.includes('-d 127.0.0.0/8') && l.includes('-j DROP'))) return 'route_localnet left on: another localnet guard is in place';
  await writeFile(path, '0');
  return 'route_localnet set back to 0';
}

export async function runReset(argv: string[]): Promise<number> {
  const parsed = parseFlags('reset', FLAGS, argv);
  if (!parsed) return 0;
  const f = parsed.values;
  const say = (m: string) => console.log(`reset: ${m}`);
  const dataDir = f['data-dir'];
  await stopUp(dataDir, say);

  const images = await createImageService({ root: join(dataDir, 'images') });
  const runtime = new Runtime({ images, stateDir: f['state-dir'], containersDir: join(dataDir, 'containers'), cgroupRoot: f['cgroup-root'] });
  const failed = await removeAllPods(runtime);
  for (const f of failed) say(`could not remove ${f}`);
  say(failed.length ? 'containers, pod sandboxes and their cgroups removed, but for the above' : 'containers, pod sandboxes and their cgroups removed');

  const network = createPodNetwork({ podCIDR: '10.244.0.0/24', bridgeName: f.bridge, stateDir: join(f['state-dir'], 'network'), chainPrefix: f['chain-prefix'] });
  await network.cleanup();
  say(`bridge ${f.bridge} and ${f['chain-prefix']}-* chains removed`);

  const removed = await new ExecIptables().deleteChains(f['proxy-chain-prefix']);
  try {
    await removeDummyRoute(f['service-device']);
  } catch (e) {
    failed.push(`the Service route device ${f['service-device']}: ${(e as Error).message}`);
    say(`could not remove the Service route device ${f['service-device']}: ${(e as Error).message}`);
  }
  say(`Service rules removed (${removed.length} chains) and the Service route`);
  say(await restoreRouteLocalnet());

  for (const dir of [f['state-dir'], dataDir, f['log-dir']]) {
    if (!existsSync(dir)) continue;
    // A directory that is a mount point of its own (say a filesystem given to the node) is emptied: its mount is not ours to remove.
    if (statSync(dir).dev !== statSync(dirname(dir)).dev) for (const e of await readdir(dir)) await rm(join(dir, e), { recursive: true, force: true });
    else await rm(dir, { recursive: true, force: true });
  }
  say(`removed ${f['state-dir']}, ${dataDir} and ${f['log-dir']}`);
  // Whatever could not be removed was named above; the exit code says so too.
  return failed.length ? 1 : 0;
}
