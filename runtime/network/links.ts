// Bridge and veth plumbing over rtnetlink (netlink.ts): no `ip` or `nsenter` process per pod.
// Operations inside a pod's namespace use a socket opened there, so any netns path works
// (bind mount or /proc/<pid>/ns/net).
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { inNetns, linkIndex, NetlinkError, RtNetlink } from './netlink.js';

export function linkExists(name: string): boolean {
  return linkIndex(name) > 0;
}

function withSocket<T>(fn: (nl: RtNetlink) => T): T {
  const nl = RtNetlink.open();
  try {
    return fn(nl);
  } finally {
    nl.close();
  }
}

export async function ensureBridge(name: string, gatewayCIDR: string, mtu: number): Promise<void> {
  const [ip, prefix] = gatewayCIDR.split('/');
  withSocket((nl) => {
    if (!linkExists(name)) {
      try {
        nl.addBridge(name, mtu);
      } catch (e) {
        if (!(e instanceof NetlinkError && e.code === 'EEXIST')) throw e; // someone else created it meanwhile
      }
    }
    const index = linkIndex(name);
    nl.replaceAddress(index, ip, Number(prefix));
    nl.setUp(index);
  });
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

/** The veth pair, the pod side's address, `lo` and `eth0` up and the default route: a handful
 *  of netlink requests, no process. */
export async function createPodVeth(v: VethSetup): Promise<void> {
  const bridgeIndex = linkIndex(v.bridge);
  if (!bridgeIndex) throw new Error(`bridge ${v.bridge} does not exist`);
  const [ip, prefix] = v.ipCIDR.split('/');
  const nsFd = openSync(v.netnsPath, 'r');
  try {
    withSocket((nl) => {
      try {
        nl.addVethPair(v.hostVeth, bridgeIndex, v.mtu, 'eth0', nsFd);
      } catch (e) {
        if (!(e instanceof NetlinkError && e.code === 'EEXIST')) throw e;
        deleteLinkSync(nl, v.hostVeth); // a leftover of a crash under the same name
        nl.addVethPair(v.hostVeth, bridgeIndex, v.mtu, 'eth0', nsFd);
      }
    });
    try {
      // Hairpin lets a pod reach itself through a hostPort (the reply goes back out its own port).
      // Through netlink, not /sys/class/net: a node run in a network namespace of its own still
      // sees the host's sysfs, where this veth does not exist.
      withSocket((nl) => nl.setHairpin(linkIndex(v.hostVeth)));
      const { pod, lo, eth0 } = inNetns(nsFd, () => ({ pod: RtNetlink.open(), lo: linkIndex('lo'), eth0: linkIndex('eth0') }));
      try {
        if (!eth0) throw new Error(`eth0 did not appear in ${v.netnsPath}`);
        pod.setUp(lo);
        pod.replaceAddress(eth0, ip, Number(prefix));
        pod.setUp(eth0);
        pod.addDefaultRoute(v.gateway, eth0);
      } finally {
        pod.close();
      }
    } catch (e) {
      await deleteLink(v.hostVeth);
      throw e;
    }
  } finally {
    closeSync(nsFd);
  }
}

function deleteLinkSync(nl: RtNetlink, name: string): void {
  try {
    nl.deleteLink(name);
  } catch (e) {
    if (!(e instanceof NetlinkError && e.code === 'ENODEV')) throw e;
  }
}

/** Deletes a link; a missing one is fine. (Synchronous netlink; async for its callers.) */
export function deleteLink(name: string): Promise<void> {
  return new Promise((resolve) => {
    withSocket((nl) => deleteLinkSync(nl, name));
    resolve();
  });
}

export async function readSysctl(path: string): Promise<string | null> {
  return (await readFile(`/proc/sys/${path}`, 'utf8').catch(() => null))?.trim() ?? null;
}

export async function sysctl(path: string, value: string): Promise<void> {
  if ((await readSysctl(path)) !== value) await writeFile(`/proc/sys/${path}`, value);
}
