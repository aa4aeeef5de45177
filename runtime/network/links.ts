// Bridge and veth plumbing with iproute2. Operations inside a pod's namespace run through
// `nsenter --net=<path>` so any netns path works (bind mount or /proc/<pid>/ns/net).
import { readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { CommandError, run, succeeds } from './exec.js';

export async function linkExists(name: string): Promise<boolean> {
  return succeeds('ip', ['link', 'show', 'dev', name]);
}

export async function ensureBridge(name: string, gatewayCIDR: string, mtu: number): Promise<void> {
  if (!(await linkExists(name))) {
    try {
      await run('ip', ['link', 'add', 'name', name, 'mtu', String(mtu), 'type', 'bridge']);
    } catch (e) {
      if (!(await linkExists(name))) throw e; // someone else created it meanwhile
    }
  }
  const addrs = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', name]);
  if (!addrs.includes(` ${gatewayCIDR} `)) await run('ip', ['addr', 'replace', gatewayCIDR, 'dev', name]);
  await run('ip', ['link', 'set', 'dev', name, 'up']);
  // A packet from 127.0.0.1 DNAT'ed to a pod leaves through the bridge: the kernel only routes
  // loopback sources out of a device with route_localnet (it is then masqueraded).
  await sysctl(`net/ipv4/conf/${name}/route_localnet`, '1');
}

/** Host-side veth name: ≤ 15 characters (IFNAMSIZ), derived from the sandbox id and prefix. */
export function hostVethName(prefix: string, sandboxId: string): string {
  return `veth${createHash('sha256').update(`${prefix}/${sandboxId}`).digest('hex').slice(0, 11)}`;
}

export interface VethSetup {
  hostVeth: string;
  bridge: string;
  netnsPath: string;
  ipCIDR: string;
  gateway: string;
  mtu: number;
}

export async function createPodVeth(v: VethSetup): Promise<void> {
  // One netlink request: host side on the bridge and up, the peer created directly inside the
  // pod netns as eth0 (no renaming, no name clashes on the host).
  const add = ['link', 'add', 'name', v.hostVeth, 'mtu', String(v.mtu), 'master', v.bridge, 'up', 'type', 'veth',
    'peer', 'name', 'eth0', 'mtu', String(v.mtu), 'netns', v.netnsPath];
  try {
    await run('ip', add);
  } catch (e) {
    if (!(e instanceof CommandError && /File exists/.test(e.stderr))) throw e;
    await deleteLink(v.hostVeth); // a leftover of a crash under the same name
    await run('ip', add);
  }
  try {
    // Hairpin lets a pod reach itself through a hostPort (the reply goes back out its own port).
    // Through netlink, not /sys/class/net: a node run in a network namespace of its own (nsenter
    // --net) still sees the host's sysfs, where this veth does not exist.
    await run('ip', ['link', 'set', 'dev', v.hostVeth, 'type', 'bridge_slave', 'hairpin', 'on']);
    await run('nsenter', [`--net=${v.netnsPath}`, 'ip', '-batch', '-'], [
      'link set dev lo up',
      `addr add ${v.ipCIDR} dev eth0`,
      'link set dev eth0 up',
      `route add default via ${v.gateway} dev eth0`,
      '',
    ].join('\n'));
  } catch (e) {
    await deleteLink(v.hostVeth);
    throw e;
  }
}

/** Deletes a link; a missing one is fine. */
export async function deleteLink(name: string): Promise<void> {
  try {
    await run('ip', ['link', 'del', 'dev', name]);
  } catch (e) {
    if (!(e instanceof CommandError && /Cannot find device/.test(e.stderr))) throw e;
  }
}

export async function readSysctl(path: string): Promise<string | null> {
  return (await readFile(`/proc/sys/${path}`, 'utf8').catch(() => null))?.trim() ?? null;
}

export async function sysctl(path: string, value: string): Promise<void> {
  if ((await readSysctl(path)) !== value) await writeFile(`/proc/sys/${path}`, value);
}
