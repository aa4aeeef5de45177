// IPv4 CIDR arithmetic for the pod range.

export interface IPv4Net {
  /** Network address as an unsigned 32-bit number. */
  network: number;
  prefixLength: number;
  /** Number of addresses in the block, network and broadcast included. */
  size: number;
}

export function ipToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address ${JSON.stringify(ip)}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`invalid IPv4 address ${JSON.stringify(ip)}`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function numberToIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCIDR(cidr: string): IPv4Net {
  const [ip, len] = cidr.split('/');
  const prefixLength = Number(len);
  if (!Number.isInteger(prefixLength) || prefixLength < 8 || prefixLength > 30) {
    throw new Error(`pod CIDR ${JSON.stringify(cidr)}: prefix length must be between 8 and 30`);
  }
  const size = 2 ** (32 - prefixLength);
  const network = ipToNumber(ip) - (ipToNumber(ip) % size);
  if (network !== ipToNumber(ip)) throw new Error(`pod CIDR ${JSON.stringify(cidr)}: host bits set`);
  return { network, prefixLength, size };
}

export function formatCIDR(n: IPv4Net): string {
  return `${numberToIP(n.network)}/${n.prefixLength}`;
}

/** The bridge address / pods' default gateway: the first host address. */
export function gatewayOf(n: IPv4Net): string {
  return numberToIP(n.network + 1);
}

/** Addresses pods may get: everything but network, gateway and broadcast. */
export function podRange(n: IPv4Net): { first: number; last: number } {
  return { first: n.network + 2, last: n.network + n.size - 2 };
}
