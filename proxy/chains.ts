// Chain names, built the way kube-proxy's iptables mode builds them, but under
// a configurable prefix so tests can work beside (never on) the real KUBE- chains.

import { createHash } from 'node:crypto';

/** iptables refuses chain names longer than this (XT_EXTENSION_MAXNAMELEN - 1). */
export const MAX_CHAIN_NAME = 28;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding), without padding: only a prefix is ever used. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

// Renders repeat the same names every sync; hashing 4000 of them is most of a render's cost.
const hashCache = new Map<string, string>();
const HASH_CACHE_MAX = 200_000;

/** First 16 base32 characters of sha256(text), as kube-proxy's portProtoHash. */
export function chainHash(text: string): string {
  let h = hashCache.get(text);
  if (h === undefined) {
    // 16 base32 characters are exactly the first 10 bytes of the digest.
    h = base32(createHash('sha256').update(text).digest().subarray(0, 10));
    if (hashCache.size >= HASH_CACHE_MAX) hashCache.clear();
    hashCache.set(text, h);
  }
  return h;
}

/** The fixed and per-service chain names under one prefix (default "KUBE"). */
export class ChainNames {
  readonly prefix: string;
  readonly services: string;
  readonly externalServices: string;
  readonly nodePorts: string;
  readonly postrouting: string;
  readonly markMasq: string;
  readonly forward: string;
  /** filter chain of the localnet guard (kube-proxy's KUBE-FIREWALL). */
  readonly firewall: string;

  constructor(prefix = 'KUBE') {
    // Accept "TKP3F" and "TKP3F-" alike; names are always "<prefix>-<kind>".
    const p = prefix.replace(/-+$/, '');
    if (!/^[A-Za-z0-9][A-Za-z0-9_]*$/.test(p)) throw new Error(`invalid chain prefix ${JSON.stringify(prefix)}`);
    // "<p>-SVC-" plus a 16-character hash, and "<p>-EXTERNAL-SERVICES", must fit.
    const longest = Math.max(p.length + 5 + 16, p.length + 18);
    if (longest > MAX_CHAIN_NAME) throw new Error(`chain prefix ${JSON.stringify(prefix)} is too long (max 7 characters)`);
    this.prefix = p;
    this.services = `${p}-SERVICES`;
    this.externalServices = `${p}-EXTERNAL-SERVICES`;
    this.nodePorts = `${p}-NODEPORTS`;
    this.postrouting = `${p}-POSTROUTING`;
    this.markMasq = `${p}-MARK-MASQ`;
    this.forward = `${p}-FORWARD`;
    this.firewall = `${p}-FIREWALL`;
  }

  /** KUBE-SVC-<hash> for one service port; servicePortName is "ns/name" or "ns/name:port". */
  servicePort(servicePortName: string, protocol: string): string {
    return `${this.prefix}-SVC-${chainHash(servicePortName + protocol.toLowerCase())}`;
  }

  /** KUBE-SEP-<hash> for one endpoint ("ip:port") of a service port. */
  endpoint(servicePortName: string, protocol: string, endpoint: string): string {
    return `${this.prefix}-SEP-${chainHash(servicePortName + protocol.toLowerCase() + endpoint)}`;
  }

  /** True for any chain this prefix owns (fixed or per-service). */
  owns(chain: string): boolean {
    return chain.startsWith(`${this.prefix}-`);
  }

  /** True for per-service chains, which come and go with services and endpoints. */
  isPerService(chain: string): boolean {
    return chain.startsWith(`${this.prefix}-SVC-`) || chain.startsWith(`${this.prefix}-SEP-`);
  }
}
