// `hyperkube reset`: stop a running `up` and remove everything tskube made on this
// host — containers, their cgroups and mounts, the pod bridge and its iptables chains,
// the Service rules and route, state and data directories — leaving the host as before.

import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Runtime } from '../runtime/runtime.js';
import { removeAllPods } from '../runtime/reset.js';
import { createImageService } from '../runtime/images/index.js';
import { createPodNetwork } from '../runtime/network/index.js';
import { ExecIptables } from '../proxy/iptables.js';
import { removeDummyRoute } from '../proxy/node-setup.js';
import { parseFlags } from './flags.js';

const FLAGS = {
  'data-dir': { type: 'string', default: '/var/lib/tskube', help: 'data dir of `up` (etcd, kubeconfig, images, containers, kubelet)' },
  'state-dir': { type: 'string', default: '/run/tskube', help: 'runtime state dir' },
  'log-dir': { type: 'string', default: '/var/log/pods', help: 'container logs' },
  'cgroup-root': { type: 'string', default: 'tskube', help: 'cgroup tree of the pods' },
  bridge: { type: 'string', default: 'cbr0', help: 'pod bridge' },
  'chain-prefix': { type: 'string', default: 'TSKUBE', help: 'prefix of the pod network iptables chains' },
  'proxy-chain-prefix': { type: 'string', default: 'KUBE', help: 'prefix of the Service iptables chains' },
  'service-device': { type: 'string', default: 'tkube-svc0', help: 'device the Service CIDR is routed to' },
} as const;

export const UP_PID_FILE = 'up.pid';
/** Written by `up --multi-process`: {"up": pid, "etcd": pid, "apiserver": pid, ...}. */
export const PIDS_FILE = 'pids.json';

/** Sends `sig`; false when there is no such process (any more). */
const signal = (pid: number, sig: NodeJS.Signals | 0) => {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
};
const alive = (pid: number) => signal(pid, 0);

/**
 * Children of an `up --multi-process` that did not stop them (it was killed): each pid
 * still running tskube's etcd or hyperkube gets SIGTERM, then SIGKILL after 10 s.
 */
async function stopListedChildren(dataDir: string, say: (m: string) => void): Promise<void> {
  let pids: Record<string, number>;
  try {
    pids = JSON.parse(await readFile(join(dataDir, PIDS_FILE), 'utf8')) as Record<string, number>;
  } catch {
    return;
  }
  const ours = async (pid: number) => /hyperkube|etcd/.test(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''));
  const left: number[] = [];
  for (const [name, pid] of Object.entries(pids)) {
    if (name === 'up' || !Number.isInteger(pid) || pid <= 1 || !(await ours(pid))) continue;
    if (!signal(pid, 'SIGTERM')) continue;
    say(`stopping ${name} (pid ${pid})`);
    left.push(pid);
  }
  for (let i = 0; i < 100 && left.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of left) signal(pid, 'SIGKILL');
}

async function stopUp(dataDir: string, say: (m: string) => void): Promise<void> {
  const pidFile = join(dataDir, UP_PID_FILE);
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!pid) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // not running
  }
  say(`stopping hyperkube up (pid ${pid})`);
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hyperkube up (pid ${pid}) did not stop within 30 s`);
}

export async function runReset(argv: string[]): Promise<number> {
  const parsed = parseFlags('reset', FLAGS, argv);
  if (!parsed) return 0;
  const f = parsed.values;
  const say = (m: string) => console.log(`reset: ${m}`);
  const dataDir = f['data-dir'];
  await stopUp(dataDir, say);
  await stopListedChildren(dataDir, say);

  const images = await createImageService({ root: join(dataDir, 'images') });
  const runtime = new Runtime({ images, stateDir: f['state-dir'], containersDir: join(dataDir, 'containers'), cgroupRoot: f['cgroup-root'] });
  await removeAllPods(runtime);
  say('containers, pod sandboxes and their cgroups removed');

  const network = createPodNetwork({ podCIDR: '10.244.0.0/24', bridgeName: f.bridge, stateDir: join(f['state-dir'], 'network'), chainPrefix: f['chain-prefix'] });
  await network.cleanup();
  say(`bridge ${f.bridge} and ${f['chain-prefix']}-* chains removed`);

  const removed = await new ExecIptables().deleteChains(f['proxy-chain-prefix']);
  await removeDummyRoute(f['service-device']).catch(() => undefined);
  say(`Service rules removed (${removed.length} chains) and the Service route`);

  for (const dir of [f['state-dir'], dataDir, f['log-dir']]) {
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
  }
  say(`removed ${f['state-dir']}, ${dataDir} and ${f['log-dir']}`);
  return 0;
}
