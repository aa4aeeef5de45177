// What the node's kernel needs before service rules can work: forwarding on,
// route_localnet (so NodePorts answer on 127.0.0.1) behind the localnet guard
// (localnet-firewall.ts), bridge netfilter where
// the kernel has it (or hairpin mode on bridge ports where it does not), and a
// route over the whole service CIDR so a VIP without rules never leaves the
// machine.
//
// Measured here: an `unreachable` route also breaks connections the node
// itself opens to a ClusterIP — connect() does its route lookup before the nat
// OUTPUT hook can DNAT, and fails with EHOSTUNREACH. Forwarded pod traffic is
// fine (PREROUTING DNATs before routing). So the default is a route to a dummy
// device (a port-less bridge where the kernel has no dummy driver): lookups succeed, OUTPUT DNATs to the pod, and whatever is not DNATed
// is dropped by the dummy (or rejected at once by the filter rule the renderer
// adds for the service CIDR). `unreachable` stays available for pod-only nodes.

import { execFile } from 'node:child_process';
import { access, readFile, readdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ChainNames } from './chains.js';
import { ExecIptables, type Iptables } from './iptables.js';
import { installLocalnetFirewall } from './localnet-firewall.js';

const execFileP = promisify(execFile);

export type ServiceRouteKind = 'dummy' | 'unreachable';

export interface NodeSetupOptions {
  /** Service CIDR to cover with a route, e.g. "10.96.0.0/12". */
  serviceCIDR: string;
  /** How to cover it (default "dummy"; see the top of this file). */
  serviceRoute?: ServiceRouteKind;
  /** Dummy device name for serviceRoute "dummy" (default "tkube-svc0"). */
  serviceDevice?: string;
  /** Do all of it inside this named network namespace (tests); default the host's. */
  netns?: string;
  /**
   * Chain prefix of the proxy: its <prefix>-FIREWALL localnet guard is installed
   * before route_localnet is turned on (see localnet-firewall.ts). Default "KUBE".
   */
  chainPrefix?: string;
  /** iptables to install the guard with; default the host's (or the netns's). */
  iptables?: Iptables;
}

export interface NodeSetupResult {
  ipForward: boolean;
  routeLocalnet: boolean;
  /** false when the kernel has no bridge netfilter (then set hairpin mode on bridge ports). */
  bridgeNetfilter: boolean;
  /** The route installed, as `ip route` prints it. */
  serviceRoute: string;
}

const SYSCTL = '/proc/sys/';

/** Run a shell snippet in the netns (sysctls under /proc/sys/net are per-namespace for the opener). */
async function inNetns(netns: string, script: string): Promise<string> {
  const { stdout } = await execFileP('nsenter', [`--net=/run/netns/${netns}`, '--', 'sh', '-c', script]);
  return stdout;
}

/** Write a sysctl ("net.ipv4.ip_forward") and read it back. */
export async function setSysctl(name: string, value: string, netns?: string): Promise<string> {
  const path = SYSCTL + name.replace(/\./g, '/');
  if (netns) return (await inNetns(netns, `printf '%s' '${value}' > ${path} && cat ${path}`)).trim();
  await writeFile(path, value);
  return (await readFile(path, 'utf8')).trim();
}

/** Whether a sysctl exists (e.g. net.bridge.bridge-nf-call-iptables without br_netfilter does not). */
export async function hasSysctl(name: string, netns?: string): Promise<boolean> {
  const path = SYSCTL + name.replace(/\./g, '/');
  if (netns) return (await inNetns(netns, `test -e ${path} && echo yes || echo no`)).trim() === 'yes';
  return access(path).then(
    () => true,
    () => false,
  );
}

function ipArgs(netns: string | undefined, args: string[]): string[] {
  return netns ? ['-n', netns, ...args] : args;
}

/** A dummy device (or a port-less bridge) with the CIDR routed to it, created if missing: idempotent. */
export async function addDummyRoute(cidr: string, device: string, netns?: string): Promise<void> {
  const exists = await execFileP('ip', ipArgs(netns, ['link', 'show', device])).then(
    () => true,
    () => false,
  );
  if (!exists) {
    // Kernels without the dummy driver (this VM's) get a bridge with no ports: it drops just the same.
    await execFileP('ip', ipArgs(netns, ['link', 'add', device, 'type', 'dummy'])).catch(() =>
      execFileP('ip', ipArgs(netns, ['link', 'add', device, 'type', 'bridge'])),
    );
  }
  await execFileP('ip', ipArgs(netns, ['link', 'set', device, 'up']));
  await execFileP('ip', ipArgs(netns, ['route', 'replace', cidr, 'dev', device]));
}

/** `ip` failed only because what it was to remove is not there. */
function alreadyGone(e: unknown, pattern: RegExp): boolean {
  return pattern.test(String((e as { stderr?: string }).stderr ?? ''));
}

/** Remove the dummy device (and with it its route); no error if it is gone. */
export async function removeDummyRoute(device: string, netns?: string): Promise<void> {
  try {
    await execFileP('ip', ipArgs(netns, ['link', 'del', device]));
  } catch (e) {
    if (!alreadyGone(e, /Cannot find device|does not exist|No such device/)) throw e;
  }
}

/** `ip route replace unreachable <cidr>`: idempotent. */
export async function addUnreachableRoute(cidr: string, netns?: string): Promise<void> {
  await execFileP('ip', ipArgs(netns, ['route', 'replace', 'unreachable', cidr]));
}

/** Remove the unreachable route; no error if it is gone. */
export async function removeUnreachableRoute(cidr: string, netns?: string): Promise<void> {
  try {
    await execFileP('ip', ipArgs(netns, ['route', 'del', 'unreachable', cidr]));
  } catch (e) {
    if (!alreadyGone(e, /No such process|not found/)) throw e;
  }
}

/**
 * Hairpin mode on every port of a bridge, so a pod can reach itself through
 * its Service when bridged traffic bypasses iptables. Host namespace only.
 * Returns the ports set. (Ports added later need it too: the runtime sets it per veth.)
 */
export async function setBridgeHairpin(bridge: string): Promise<string[]> {
  const dir = `/sys/class/net/${bridge}/brif`;
  const ports = await readdir(dir);
  for (const p of ports) await writeFile(`${dir}/${p}/hairpin_mode`, '1');
  return ports;
}

export async function setupNode(opts: NodeSetupOptions): Promise<NodeSetupResult> {
  const { netns } = opts;
  const ipForward = (await setSysctl('net.ipv4.ip_forward', '1', netns)) === '1';
  // The guard first: route_localnet without it opens loopback-only services to pods (CVE-2020-8558).
  await installLocalnetFirewall(opts.iptables ?? new ExecIptables({ netns }), new ChainNames(opts.chainPrefix));
  const routeLocalnet = (await setSysctl('net.ipv4.conf.all.route_localnet', '1', netns)) === '1';
  let bridgeNetfilter = false;
  if (await hasSysctl('net.bridge.bridge-nf-call-iptables', netns)) {
    bridgeNetfilter = (await setSysctl('net.bridge.bridge-nf-call-iptables', '1', netns)) === '1';
  }
  let serviceRoute: string;
  if ((opts.serviceRoute ?? 'dummy') === 'dummy') {
    const device = opts.serviceDevice ?? 'tkube-svc0';
    await addDummyRoute(opts.serviceCIDR, device, netns);
    serviceRoute = `${opts.serviceCIDR} dev ${device}`;
  } else {
    await addUnreachableRoute(opts.serviceCIDR, netns);
    serviceRoute = `unreachable ${opts.serviceCIDR}`;
  }
  return { ipForward, routeLocalnet, bridgeNetfilter, serviceRoute };
}
