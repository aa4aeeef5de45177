// Renders Services + Endpoints into iptables-restore input, in the style of
// kube-proxy's iptables mode. Pure: same input, same text, so it is covered by
// golden files and can be diffed. The nat part carries the DNAT machinery; the
// filter part rejects traffic to services that have no endpoints, so a client
// fails at once instead of hanging on an unroutable VIP.

import type { Endpoints, Service } from '../api/core.js';
import { ChainNames } from './chains.js';
import type { Table } from './jumps.js';
import { localnetDropLine } from './localnet-firewall.js';
import { comparePorts, serviceKey, servicePortsOf, type ServicePortInfo } from './service-ports.js';

export interface RenderInput {
  services: Service[];
  endpoints: Endpoints[];
  /**
   * Addresses NodePorts answer on (kube-proxy's --nodeport-addresses). Empty or
   * absent: every local address, matched with `-m addrtype --dst-type LOCAL`.
   */
  nodePortAddresses?: string[];
  /**
   * Service CIDR: when given, new connections to any address in it that no
   * service rule DNATed are rejected at once (as kube-proxy's nftables mode does).
   */
  serviceCIDR?: string;
  /** Pod CIDR of the cluster: ClusterIP traffic from outside it is masqueraded. */
  clusterCIDR?: string;
  /** Chain prefix, default "KUBE" (chains are "<prefix>-SERVICES", "<prefix>-SVC-<hash>", ...). */
  chainPrefix?: string;
  /** Firewall mark for "masquerade this", default 0x4000 (kube-proxy's). */
  masqueradeMark?: string;
  /** Add `--random-fully` to MASQUERADE (iptables >= 1.6.2 and kernel support). Default true. */
  randomFully?: boolean;
  /**
   * nat chains present on the host now (from iptables-save, or from the last
   * sync). Per-service chains of our prefix not in the new ruleset are flushed
   * and deleted (-X) in the same batch.
   */
  existingChains?: Iterable<string>;
  /**
   * Optional memo of per-service output across renders (the proxier keeps one):
   * a Service whose object and Endpoints object are the same as last time is
   * not rendered again. The output is identical with or without it.
   */
  cache?: RenderCache;
}

/** One table as rendered: our chains in declaration order, each with its rule lines. */
export interface RenderedTable {
  name: Table;
  /** chain → its "-A <chain> ..." lines, in order. */
  chains: Map<string, string[]>;
  /** Stale chains of ours to flush and delete (-X) in the same batch. */
  deleted: string[];
}

export interface RenderOutput {
  /** iptables-restore input for one table: "*table ... COMMIT\n". */
  text: string;
  /** Chains of ours the ruleset defines (not counting the stale ones it deletes). */
  chains: string[];
  /** Stale chains the text deletes. */
  deleted: string[];
  /** Number of rules (-A lines). */
  ruleCount: number;
}

const NODEPORTS_COMMENT = 'kubernetes service nodeports; NOTE: this must be the last rule in this chain';

/** Quote a comment the way kube-proxy does: only when it holds a space. */
function comment(text: string): string {
  return `-m comment --comment ${/\s/.test(text) ? `"${text}"` : text}`;
}

function proto(p: ServicePortInfo['protocol']): string {
  return `-m ${p} -p ${p}`;
}

/**
 * TCP gets a reset, the rest an ICMP port unreachable. (kube-proxy uses ICMP
 * for all; measured here, a node-local TCP client then waits a full 1 s SYN
 * retransmit before it sees the refusal, while a reset fails it at once.)
 */
function rejectWith(p: ServicePortInfo['protocol']): string {
  return p === 'tcp' ? '-j REJECT --reject-with tcp-reset' : '-j REJECT --reject-with icmp-port-unreachable';
}

/** 1/(n-i) with ten decimals, as kube-proxy's fmt.Sprintf("%0.10f"). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

const rule = (chain: string, ...args: string[]) => `-A ${chain} ${args.join(' ')}`;

/** Everything one service port contributes, to the shared chains and its own. */
interface PortFragment {
  name: string;
  protocol: string;
  natServices: string[];
  natNodePorts: string[];
  /** Its KUBE-SVC and KUBE-SEP chains, in order, with their rules. */
  natChains: [string, string[]][];
  filterServices: string[];
  filterExternal: string[];
}

/** Settings every fragment depends on; a cache is only valid for one of these. */
interface FragmentConfig {
  n: ChainNames;
  clusterCIDR?: string;
  nodePortAddresses?: string[];
}

function renderPort(sp: ServicePortInfo, cfg: FragmentConfig): PortFragment {
  const { n } = cfg;
  const f: PortFragment = { name: sp.name, protocol: sp.protocol, natServices: [], natNodePorts: [], natChains: [], filterServices: [], filterExternal: [] };
  const p = proto(sp.protocol);

  if (sp.endpoints.length === 0) {
    // No endpoints: no nat rules; the filter table rejects the traffic instead.
    const why = comment(`${sp.name} has no endpoints`);
    const reject = rejectWith(sp.protocol);
    f.filterServices.push(rule(n.services, why, p, `-d ${sp.clusterIP}`, `--dport ${sp.port}`, reject));
    for (const ext of sp.externalIPs) f.filterExternal.push(rule(n.externalServices, why, p, `-d ${ext}`, `--dport ${sp.port}`, reject));
    if (sp.nodePort) {
      const local = cfg.nodePortAddresses?.length ? cfg.nodePortAddresses.map((a) => `-d ${a}`) : ['-m addrtype --dst-type LOCAL'];
      for (const dst of local) f.filterExternal.push(rule(n.externalServices, why, dst, p, `--dport ${sp.nodePort}`, reject));
    }
    return f;
  }

  f.natServices.push(rule(n.services, comment(`${sp.name} cluster IP`), p, `-d ${sp.clusterIP}`, `--dport ${sp.port}`, `-j ${sp.chain}`));
  for (const ext of sp.externalIPs) {
    f.natServices.push(rule(n.services, comment(`${sp.name} external IP`), p, `-d ${ext}`, `--dport ${sp.port}`, `-j ${n.markMasq}`));
    f.natServices.push(rule(n.services, comment(`${sp.name} external IP`), p, `-d ${ext}`, `--dport ${sp.port}`, `-j ${sp.chain}`));
  }
  if (sp.nodePort) {
    // Traffic to a NodePort may come from anywhere (or 127.0.0.1): always masquerade it.
    f.natNodePorts.push(rule(n.nodePorts, comment(sp.name), p, `--dport ${sp.nodePort}`, `-j ${n.markMasq}`));
    f.natNodePorts.push(rule(n.nodePorts, comment(sp.name), p, `--dport ${sp.nodePort}`, `-j ${sp.chain}`));
  }

  const svc: string[] = [];
  if (cfg.clusterCIDR) {
    // A client outside the pod network would get replies from the pod IP directly: masquerade it.
    svc.push(rule(sp.chain, comment(`${sp.name} cluster IP`), p, `-d ${sp.clusterIP}`, `--dport ${sp.port}`, `! -s ${cfg.clusterCIDR}`, `-j ${n.markMasq}`));
  }
  if (sp.affinityTimeoutSeconds !== undefined) {
    // A client seen recently goes back to the endpoint that --set its address.
    for (const ep of sp.endpoints) {
      svc.push(
        rule(
          sp.chain,
          comment(`${sp.name} -> ${ep.ip}:${ep.port}`),
          `-m recent --name ${ep.chain} --rcheck --seconds ${sp.affinityTimeoutSeconds} --reap`,
          `-j ${ep.chain}`,
        ),
      );
    }
  }
  const count = sp.endpoints.length;
  sp.endpoints.forEach((ep, i) => {
    const pick = i < count - 1 ? [`-m statistic --mode random --probability ${probability(count - i)}`] : [];
    svc.push(rule(sp.chain, comment(`${sp.name} -> ${ep.ip}:${ep.port}`), ...pick, `-j ${ep.chain}`));
  });
  f.natChains.push([sp.chain, svc]);

  for (const ep of sp.endpoints) {
    const recent = sp.affinityTimeoutSeconds !== undefined ? [`-m recent --name ${ep.chain} --set`] : [];
    f.natChains.push([
      ep.chain,
      [
        // Hairpin: a pod reaching itself through the VIP must see the reply come from the VIP.
        rule(ep.chain, comment(sp.name), `-s ${ep.ip}`, `-j ${n.markMasq}`),
        rule(ep.chain, comment(sp.name), p, ...recent, `-j DNAT --to-destination ${ep.ip}:${ep.port}`),
      ],
    ]);
  }
  return f;
}

/** Per-service fragments remembered between renders, keyed by "ns/name". */
export class RenderCache {
  private config = '';
  private readonly entries = new Map<string, { svc: Service; ep: Endpoints | undefined; fragments: PortFragment[] }>();

  /** Fragments of one service, rendered only if the Service or its Endpoints object changed. */
  fragments(svc: Service, ep: Endpoints | undefined, cfg: FragmentConfig, configKey: string): PortFragment[] {
    if (configKey !== this.config) {
      this.entries.clear();
      this.config = configKey;
    }
    const key = serviceKey(svc);
    const hit = this.entries.get(key);
    if (hit && hit.svc === svc && hit.ep === ep) return hit.fragments;
    const fragments = servicePortsOf(svc, ep, cfg.n).map((sp) => renderPort(sp, cfg));
    this.entries.set(key, { svc, ep, fragments });
    return fragments;
  }

  /** Forget services that are gone. */
  retain(keys: Set<string>): void {
    for (const k of this.entries.keys()) if (!keys.has(k)) this.entries.delete(k);
  }
}

class TableBuilder {
  readonly chains = new Map<string, string[]>();
  constructor(readonly name: Table) {}
  chain(name: string, rules: string[] = []): void {
    // Fragment arrays may be shared with a RenderCache: never mutate them.
    if (!this.chains.has(name)) this.chains.set(name, rules);
    else if (rules.length) this.chains.set(name, [...this.chains.get(name)!, ...rules]);
  }
  rule(chain: string, ...args: string[]): void {
    this.chains.get(chain)!.push(rule(chain, ...args));
  }
  push(chain: string, rules: string[]): void {
    const into = this.chains.get(chain)!;
    for (const r of rules) into.push(r);
  }
  done(deleted: string[] = []): RenderedTable {
    return { name: this.name, chains: this.chains, deleted };
  }
}

/**
 * iptables-restore input for one table. With `only`, just those chains are
 * declared (flushed) and refilled; with --noflush every other chain is left as it is.
 * `extra` lines (e.g. "-I PREROUTING ...") are added after our rules.
 */
export function tableText(t: RenderedTable, only?: (chain: string) => boolean, extra: string[] = []): string {
  const lines = [`*${t.name}`];
  const chains = [...t.chains.keys()].filter((c) => !only || only(c));
  for (const c of [...chains, ...t.deleted]) lines.push(`:${c} - [0:0]`);
  for (const c of chains) lines.push(...t.chains.get(c)!);
  // Extra lines (jump rules into our chains) go after the chains they reference exist.
  lines.push(...extra);
  for (const c of t.deleted) lines.push(`-X ${c}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** Number of rules in a rendered table. */
export function ruleCount(t: RenderedTable): number {
  let n = 0;
  for (const rules of t.chains.values()) n += rules.length;
  return n;
}

function output(t: RenderedTable): RenderOutput {
  return { text: tableText(t), chains: [...t.chains.keys()], deleted: t.deleted, ruleCount: ruleCount(t) };
}

/** Both tables, structured (the proxier diffs these chain by chain). */
export function renderTables(input: RenderInput): { nat: RenderedTable; filter: RenderedTable } {
  const n = new ChainNames(input.chainPrefix);
  const mark = input.masqueradeMark ?? '0x4000';
  const cfg: FragmentConfig = { n, clusterCIDR: input.clusterCIDR, nodePortAddresses: input.nodePortAddresses };
  const configKey = JSON.stringify([n.prefix, input.clusterCIDR, input.nodePortAddresses]);

  const epByKey = new Map<string, Endpoints>();
  for (const ep of input.endpoints) epByKey.set(serviceKey(ep), ep);
  const fragments: PortFragment[] = [];
  const keys = new Set<string>();
  for (const svc of input.services) {
    const key = serviceKey(svc);
    keys.add(key);
    const ep = epByKey.get(key);
    const fs = input.cache ? input.cache.fragments(svc, ep, cfg, configKey) : servicePortsOf(svc, ep, n).map((sp) => renderPort(sp, cfg));
    for (const f of fs) fragments.push(f);
  }
  input.cache?.retain(keys);
  fragments.sort(comparePorts);

  // nat: KUBE-SERVICES, KUBE-NODEPORTS, KUBE-POSTROUTING, KUBE-MARK-MASQ, then KUBE-SVC-* / KUBE-SEP-*.
  const nat = new TableBuilder('nat');
  for (const c of [n.services, n.nodePorts, n.postrouting, n.markMasq]) nat.chain(c);
  // Marked packets are masqueraded once, then unmarked so a re-entry is not.
  nat.rule(n.postrouting, `-m mark ! --mark ${mark}/${mark}`, '-j RETURN');
  nat.rule(n.postrouting, `-j MARK --xor-mark ${mark}`);
  nat.rule(n.postrouting, comment('kubernetes service traffic requiring SNAT'), `-j MASQUERADE${input.randomFully === false ? '' : ' --random-fully'}`);
  nat.rule(n.markMasq, `-j MARK --or-mark ${mark}`);
  for (const f of fragments) {
    nat.push(n.services, f.natServices);
    nat.push(n.nodePorts, f.natNodePorts);
    for (const [chain, rules] of f.natChains) nat.chain(chain, rules);
  }
  // Must stay the last rule of KUBE-SERVICES: it catches every local address.
  if (input.nodePortAddresses?.length) {
    for (const addr of input.nodePortAddresses) nat.rule(n.services, comment(NODEPORTS_COMMENT), `-d ${addr}`, `-j ${n.nodePorts}`);
  } else {
    nat.rule(n.services, comment(NODEPORTS_COMMENT), '-m addrtype --dst-type LOCAL', `-j ${n.nodePorts}`);
  }
  const deleted = [...new Set(input.existingChains ?? [])].filter((c) => n.isPerService(c) && !nat.chains.has(c)).sort();

  // filter: REJECT for services without endpoints, ACCEPT for marked forwarded traffic.
  const filter = new TableBuilder('filter');
  for (const c of [n.services, n.externalServices, n.forward, n.firewall]) filter.chain(c);
  for (const f of fragments) {
    filter.push(n.services, f.filterServices);
    filter.push(n.externalServices, f.filterExternal);
  }
  if (input.serviceCIDR) {
    // Last rules: a VIP no service answers on (or a port it does not expose) is refused, not blackholed.
    const why = comment('kubernetes service CIDR: no such service');
    filter.rule(n.services, why, '-m tcp -p tcp', `-d ${input.serviceCIDR}`, rejectWith('tcp'));
    filter.rule(n.services, why, `-d ${input.serviceCIDR}`, rejectWith('udp'));
  }
  // Service traffic DNATed to a pod must be forwarded even where FORWARD's policy is DROP.
  filter.rule(n.forward, comment('kubernetes forwarding rules'), `-m mark --mark ${mark}/${mark}`, '-j ACCEPT');
  filter.rule(n.forward, comment('kubernetes forwarding conntrack rule'), '-m conntrack --ctstate RELATED,ESTABLISHED', '-j ACCEPT');
  // route_localnet (NodePorts on 127.0.0.1) must not open loopback services to pods: see localnet-firewall.ts.
  filter.push(n.firewall, [localnetDropLine(n)]);

  return { nat: nat.done(deleted), filter: filter.done() };
}

/** The nat table as iptables-restore input. */
export function renderRules(input: RenderInput): RenderOutput {
  return output(renderTables(input).nat);
}

/** The filter table as iptables-restore input. */
export function renderFilter(input: RenderInput): RenderOutput {
  return output(renderTables(input).filter);
}

/** Both tables as one iptables-restore input (filter first, then nat). */
export function renderAll(input: RenderInput): { text: string; nat: RenderOutput; filter: RenderOutput } {
  const t = renderTables(input);
  const filter = output(t.filter);
  const nat = output(t.nat);
  return { text: filter.text + nat.text, nat, filter };
}
