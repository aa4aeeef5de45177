// The iptables side of pod networking. Every chain is named with the instance's prefix:
//   nat    <P>-HOSTPORTS    DNAT hostPort → podIP:containerPort; jumped from PREROUTING and
//                           OUTPUT for packets to a local address (-m addrtype --dst-type LOCAL)
//   nat    <P>-POSTROUTING  MASQUERADE: pod egress leaving the pod CIDR; 127.0.0.0/8 sources
//                           DNAT'ed onto the bridge (hostPort via localhost); hairpin (a pod
//                           reaching itself by a hostPort). Pod→pod replies through a DNAT need
//                           no SNAT when bridge-nf-call-iptables is on (conntrack sees them).
//   filter <P>-FORWARD      accept traffic from/to the pod CIDR (hosts with a DROP policy);
//                           jumped from FORWARD below the proxy's jumps (see ensureJumps)
//   filter <P>-INPUT        drop what a pod sends to 127.0.0.0/8 unless it is a reply or was
//                           DNAT'ed: the bridge has route_localnet=1 (hostPorts on 127.0.0.1),
//                           which would otherwise let a pod with NET_RAW reach the node's
//                           loopback-only services (CVE-2020-8558), with or without a proxy;
//                           and drop what reaches the bridge (gateway) address from anywhere
//                           but the bridge and the node itself: the apiserver listens there
//                           for pods, and a LAN neighbour routing to it must not get in
// Our chains are rewritten whole in one `iptables-restore --noflush` batch (declaring an
// existing chain flushes it), so readers never see half a rule set.
import { run, succeeds } from './exec.js';
import type { PortMapping } from './types.js';
import { gatewayOf, parseCIDR } from './cidr.js';

export interface HostPortRule extends PortMapping {
  podIP: string;
  sandboxId: string;
}

export interface ChainNames {
  hostports: string;
  postrouting: string;
  forward: string;
  input: string;
}

export function chainNames(prefix: string): ChainNames {
  // iptables limits chain names to 28 characters.
  const names = { hostports: `${prefix}-HOSTPORTS`, postrouting: `${prefix}-POSTROUTING`, forward: `${prefix}-FORWARD`, input: `${prefix}-INPUT` };
  for (const n of Object.values(names)) if (n.length > 28) throw new Error(`chain prefix ${prefix} too long (chain ${n})`);
  return names;
}

/** The jumps from built-in chains into ours: [table, chain, rule args]. */
function jumps(c: ChainNames, comment: string): [string, string, string[]][] {
  const cm = ['-m', 'comment', '--comment', comment];
  return [
    ['nat', 'PREROUTING', [...cm, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.hostports]],
    ['nat', 'OUTPUT', [...cm, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.hostports]],
    ['nat', 'POSTROUTING', [...cm, '-j', c.postrouting]],
    ['filter', 'FORWARD', [...cm, '-j', c.forward]],
    ['filter', 'INPUT', [...cm, '-j', c.input]],
  ];
}

export interface RuleSetInput {
  chains: ChainNames;
  bridge: string;
  podCIDR: string;
  hostPorts: HostPortRule[];
  /** The cluster's pod network, when pods of other nodes route here (see PodNetworkOptions). */
  clusterCIDR?: string;
}

/** Which tables a restore rewrites: only nat depends on the pods (hostPorts, hairpin); the
 *  filter chains depend on the bridge and CIDRs alone, so a pod's setup or teardown skips them
 *  (each table is one nftables commit, a few ms of kernel time on this kind of machine). */
export type RuleTables = 'all' | 'nat';

/** The complete contents of our chains (of the tables asked for), as iptables-restore input. */
export function renderRules(i: RuleSetInput, tables: RuleTables = 'all'): string {
  const { chains: c, bridge, podCIDR } = i;
  const nat = [
    '*nat',
    `:${c.hostports} - [0:0]`,
    `:${c.postrouting} - [0:0]`,
  ];
  for (const h of [...i.hostPorts].sort((a, b) => a.hostPort - b.hostPort)) {
    const proto = h.protocol.toLowerCase();
    const dst = h.hostIP && h.hostIP !== '0.0.0.0' ? ` -d ${h.hostIP}/32` : '';
    nat.push(`-A ${c.hostports} -p ${proto} -m ${proto} --dport ${h.hostPort}${dst} -m comment --comment "${h.sandboxId.replace(/[^\w.:-]/g, '_').slice(0, 200)}" -j DNAT --to-destination ${h.podIP}:${h.containerPort}`);
  }
  for (const ip of [...new Set(i.hostPorts.map((h) => h.podIP))].sort()) {
    nat.push(`-A ${c.postrouting} -s ${ip}/32 -d ${ip}/32 -j MASQUERADE`);
  }
  nat.push(
    `-A ${c.postrouting} -s 127.0.0.0/8 -o ${bridge} -j MASQUERADE`,
    ...(i.clusterCIDR ? [`-A ${c.postrouting} -s ${podCIDR} -d ${i.clusterCIDR} -m comment --comment "pods of other nodes see pod IPs" -j RETURN`] : []),
    `-A ${c.postrouting} -s ${podCIDR} ! -d ${podCIDR} -j MASQUERADE`,
    'COMMIT',
  );
  const filter = [
    '*filter',
    `:${c.forward} - [0:0]`,
    `:${c.input} - [0:0]`,
    `-A ${c.forward} -s ${podCIDR} -j ACCEPT`,
    `-A ${c.forward} -d ${podCIDR} -j ACCEPT`,
    `-A ${c.input} -i ${bridge} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m comment --comment "block localnet from pods" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    ...(i.clusterCIDR ? [`-A ${c.input} -d ${gatewayOf(parseCIDR(podCIDR))}/32 -s ${i.clusterCIDR} -m comment --comment "bridge address from pods of other nodes" -j RETURN`] : []),
    `-A ${c.input} -d ${gatewayOf(parseCIDR(podCIDR))}/32 ! -i ${bridge} -m addrtype ! --src-type LOCAL -m comment --comment "bridge address only from pods and the node" -j DROP`,
    'COMMIT',
  ];
  return [...nat, ...(tables === 'all' ? filter : []), ''].join('\n');
}

export async function applyRules(i: RuleSetInput, tables: RuleTables = 'all'): Promise<void> {
  await run('iptables-restore', ['-w', '5', '--noflush'], renderRules(i, tables));
}

/**
 * Comments of kube-proxy's jumps in filter FORWARD (ours and the real one's use the same).
 * They only REJECT new connections to Service VIPs nothing answers on (or ACCEPT), so they
 * must come before our ACCEPT of all pod traffic: below it, a pod's connection to a Service
 * without endpoints would be forwarded to the unroutable VIP and hang instead of being refused.
 */
const PROXY_FORWARD_COMMENTS = ['kubernetes service portals', 'kubernetes externally-visible service portals', 'kubernetes forwarding rules'];

/** 1-based position for our FORWARD jump: right below the last kube-proxy jump, else the top. */
export function forwardInsertPosition(forwardRules: string): number {
  const rules = forwardRules.split('\n').filter((l) => l.startsWith('-A '));
  let last = 0;
  rules.forEach((l, i) => {
    if (PROXY_FORWARD_COMMENTS.some((c) => l.includes(`--comment "${c}"`))) last = i + 1;
  });
  return last + 1;
}

/** Adds the jumps into our chains unless present (the chains must exist: apply rules first). */
export async function ensureJumps(c: ChainNames, comment: string): Promise<void> {
  for (const [table, chain, rule] of jumps(c, comment)) {
    if (!(await succeeds('iptables', ['-w', '5', '-t', table, '-C', chain, ...rule]))) {
      const at = table === 'filter' && chain === 'FORWARD' ? forwardInsertPosition(await run('iptables', ['-w', '5', '-t', 'filter', '-S', 'FORWARD'])) : 1;
      await run('iptables', ['-w', '5', '-t', table, '-I', chain, String(at), ...rule]);
    }
  }
}

/** Removes our jumps and chains; tolerates any of them being gone already. */
export async function removeAll(c: ChainNames, comment: string): Promise<void> {
  for (const [table, chain, rule] of jumps(c, comment)) {
    while (await succeeds('iptables', ['-w', '5', '-t', table, '-D', chain, ...rule])) { /* all copies */ }
  }
  for (const [table, chain] of [['nat', c.hostports], ['nat', c.postrouting], ['filter', c.forward], ['filter', c.input]]) {
    await succeeds('iptables', ['-w', '5', '-t', table, '-F', chain]);
    await succeeds('iptables', ['-w', '5', '-t', table, '-X', chain]);
  }
}
