// The rules in the built-in chains that lead into ours. They are the only
// rules we put in chains we do not own, so each is checked (-C) before it is
// inserted (-I), and never flushed.

import type { ChainNames } from './chains.js';

export type Table = 'nat' | 'filter';

export interface JumpRule {
  table: Table;
  /** Built-in chain the rule sits in. */
  chain: string;
  /** Rule arguments, as for `iptables -A <chain> ...`, ending with `-j <our chain>`. */
  args: string[];
}

/** kube-proxy's jumps: nat PREROUTING/OUTPUT/POSTROUTING and filter INPUT/FORWARD/OUTPUT (the last two also into the localnet guard). */
export function jumpRules(n: ChainNames): JumpRule[] {
  const portals = ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', n.services];
  const newConn = ['-m', 'conntrack', '--ctstate', 'NEW'];
  const external = [...newConn, '-m', 'comment', '--comment', 'kubernetes externally-visible service portals', '-j', n.externalServices];
  return [
    { table: 'nat', chain: 'PREROUTING', args: portals },
    { table: 'nat', chain: 'OUTPUT', args: portals },
    { table: 'nat', chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', n.postrouting] },
    { table: 'filter', chain: 'INPUT', args: [...newConn, ...portals] },
    { table: 'filter', chain: 'INPUT', args: external },
    { table: 'filter', chain: 'FORWARD', args: [...newConn, ...portals] },
    { table: 'filter', chain: 'FORWARD', args: external },
    { table: 'filter', chain: 'FORWARD', args: ['-m', 'comment', '--comment', 'kubernetes forwarding rules', '-j', n.forward] },
    { table: 'filter', chain: 'OUTPUT', args: [...newConn, ...portals] },
    // The localnet guard (see localnet-firewall.ts): every packet, as kube-proxy's KUBE-FIREWALL.
    { table: 'filter', chain: 'INPUT', args: ['-j', n.firewall] },
    { table: 'filter', chain: 'OUTPUT', args: ['-j', n.firewall] },
  ];
}

const quote = (a: string) => (/[\s"]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a);

/** The rule as an iptables-restore line inserting it at the top of its chain. */
export function insertLine(rule: JumpRule): string {
  return ['-I', rule.chain, ...rule.args].map(quote).join(' ');
}

/** What identifies a jump: table, built-in chain, target and comment. */
export function jumpKey(table: string, chain: string, args: string[]): string {
  const at = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : '';
  };
  return `${table} ${chain} ${at('-j')} ${at('--comment')}`;
}
