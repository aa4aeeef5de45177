// The upstream resolvers: an explicit list (--upstream) or the nameservers of
// a resolv.conf (default /etc/resolv.conf), minus our own listening address
// (forwarding there would loop).

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

/** "1.2.3.4", "1.2.3.4:5353", "[::1]:53", "::1" → Upstream; throws on anything else. */
export function parseUpstream(spec: string): Upstream {
  const s = spec.trim();
  let host = s;
  let port = 53;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1];
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else if (isIP(s) !== 6 && s.includes(':')) {
    host = s.slice(0, s.lastIndexOf(':'));
    port = Number(s.slice(s.lastIndexOf(':') + 1));
  }
  if (!isIP(host)) throw new Error(`upstream "${spec}": not an IP address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`upstream "${spec}": port must be 1-65535`);
  return { host, port };
}

/** The nameserver lines of resolv.conf text (at most 3 are used, as the libc resolver does). */
export function resolvConfNameservers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && isIP(m[1].replace(/%.*$/, ''))) out.push(m[1].replace(/%.*$/, ''));
  }
  return out.slice(0, 3);
}

export function upstreamsFrom(opts: { upstream?: string[]; resolvConf?: string; self?: Upstream }): Upstream[] {
  let list: Upstream[];
  if (opts.upstream) list = opts.upstream.map(parseUpstream);
  else {
    let text = '';
    try {
      text = readFileSync(opts.resolvConf ?? '/etc/resolv.conf', 'utf8');
    } catch {
      // no resolv.conf: nothing to forward to (SERVFAIL)
    }
    list = resolvConfNameservers(text).map((host) => ({ host, port: 53 }));
  }
  const self = opts.self;
  return list.filter((u) => !(self && u.host === self.host && u.port === self.port));
}
