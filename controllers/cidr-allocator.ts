// The node IPAM's range allocator (upstream pkg/controller/nodeipam/ipam/cidrset): the
// cluster CIDR cut into node CIDRs of --node-cidr-mask-size bits, handed out round robin from
// where the last one was taken, each at most once. IPv4 only.

export interface V4Net {
  base: number;
  bits: number;
}

export function parseV4CIDR(s: string): V4Net {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || bits > 32) throw new Error(`invalid CIDR address: ${s}`);
  const ip = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ip & mask) >>> 0, bits };
}

export function formatV4CIDR(n: V4Net): string {
  return `${[24, 16, 8, 0].map((s) => (n.base >>> s) & 255).join('.')}/${n.bits}`;
}

export class CIDRAllocator {
  private readonly cluster: V4Net;
  private readonly count: number;
  private readonly used: Uint8Array;
  private next = 0;

  constructor(clusterCIDR: string, readonly maskSize: number) {
    this.cluster = parseV4CIDR(clusterCIDR);
    if (!Number.isInteger(maskSize) || maskSize < this.cluster.bits || maskSize > 32) {
      throw new Error(`--node-cidr-mask-size ${maskSize} must be between the cluster CIDR's prefix (${this.cluster.bits}) and 32`);
    }
    // As upstream, at most 16 bits of node CIDRs (65536 nodes).
    if (maskSize - this.cluster.bits > 16) throw new Error(`--node-cidr-mask-size ${maskSize} is more than 16 bits longer than the cluster CIDR's prefix (${this.cluster.bits})`);
    this.count = 2 ** (maskSize - this.cluster.bits);
    this.used = new Uint8Array(this.count);
  }

  /** The index of a node CIDR of this allocator, or -1 when it is not one (outside, another size). */
  private indexOf(cidr: string): number {
    let n: V4Net;
    try {
      n = parseV4CIDR(cidr);
    } catch {
      return -1;
    }
    if (n.bits !== this.maskSize) return -1;
    const off = n.base - this.cluster.base;
    if (off < 0 || off >= this.count * 2 ** (32 - this.maskSize)) return -1;
    return off / 2 ** (32 - this.maskSize);
  }

  /** Marks an existing node's CIDR taken (a restarted controller); false when it is not ours. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i < 0) return false;
    this.used[i] = 1;
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i >= 0) this.used[i] = 0;
  }

  /** The next free node CIDR, or undefined when the cluster CIDR is full. */
  allocate(): string | undefined {
    for (let k = 0; k < this.count; k++) {
      const i = (this.next + k) % this.count;
      if (this.used[i]) continue;
      this.used[i] = 1;
      this.next = (i + 1) % this.count;
      return formatV4CIDR({ base: (this.cluster.base + i * 2 ** (32 - this.maskSize)) >>> 0, bits: this.maskSize });
    }
    return undefined;
  }

  get free(): number {
    return this.used.reduce((n, u) => n + (u ? 0 : 1), 0);
  }
}
