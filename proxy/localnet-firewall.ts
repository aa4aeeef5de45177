// The guard that makes route_localnet safe (CVE-2020-8558). route_localnet=1 lets
// NodePorts answer on 127.0.0.1, but it also lets anything on a bridged or routed
// device (an unprivileged pod with NET_RAW, a neighbour on the LAN) send a packet
// to 127.0.0.1 through the node's MAC and reach services that listen only on
// loopback (etcd, the apiserver, the kubelet's healthz). Like kube-proxy, one rule
// in <prefix>-FIREWALL, jumped to from filter INPUT and OUTPUT, drops packets to
// 127.0.0.0/8 that do not come from 127.0.0.0/8 and are not part of a known or
// DNATed connection. A NodePort on 127.0.0.1 is unaffected: its packets come from
// 127.0.0.1 and are DNATed away from loopback.

import type { ChainNames } from './chains.js';
import type { Iptables } from './iptables.js';
import { insertLine, type JumpRule } from './jumps.js';

export const LOCALNET_COMMENT = 'block incoming localnet connections';

/** The rule's arguments after "-A <chain>", as kube-proxy writes it (iptables-save order). */
export function localnetDropArgs(): string[] {
  return ['-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8', '-m', 'comment', '--comment', LOCALNET_COMMENT, '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP'];
}

/** The rule as a restore line ("-A <prefix>-FIREWALL ..."). */
export function localnetDropLine(n: ChainNames): string {
  return ['-A', n.firewall, ...localnetDropArgs()].map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ');
}

/** The two jumps into the chain (kube-proxy's: no match, no comment). */
export function firewallJumps(n: ChainNames): JumpRule[] {
  return [
    { table: 'filter', chain: 'INPUT', args: ['-j', n.firewall] },
    { table: 'filter', chain: 'OUTPUT', args: ['-j', n.firewall] },
  ];
}

/**
 * Install the chain, its rule and the jumps now, before route_localnet is turned
 * on (node setup), so there is no window in which the hole is open. The proxier
 * rewrites the same chain on every full sync; cleanup (reset) deletes it with
 * every other chain of the prefix.
 */
export async function installLocalnetFirewall(ipt: Iptables, n: ChainNames): Promise<void> {
  const saved = await ipt.save('filter');
  const lines = ['*filter', `:${n.firewall} - [0:0]`, localnetDropLine(n)];
  for (const j of firewallJumps(n)) {
    const present = saved.split('\n').some((l) => l.trim() === `-A ${j.chain} ${j.args.join(' ')}`);
    if (!present) lines.push(insertLine(j));
  }
  lines.push('COMMIT', '');
  await ipt.restore(lines.join('\n'), { noflush: true });
}
