// Names outside the cluster go to the upstream resolvers, as CoreDNS's
// `forward . /etc/resolv.conf` with `cache 30`: over UDP (TCP again when the
// answer comes back truncated), each upstream in turn until the time is up,
// answers cached positive and negative for at most maxTtl seconds. Identical
// queries in flight share one upstream exchange. No answer in time → null (the
// server says SERVFAIL).

import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import { BoundedCache } from './answer-cache.js';
import type { Upstream } from './resolv-conf.js';
import { tcpQuery } from './tcp-frames.js';

export interface ForwardResult {
  rcode: string;
  flags: number;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** Whole budget for one question across upstreams (default 2000 ms; CoreDNS forward gives 5 s). */
  timeoutMs?: number;
  /** Longest a forwarded answer is kept (CoreDNS `cache 30`). */
  maxTtl?: number;
  cacheEntries?: number;
}

interface Pending {
  resolve: (p: DecodedPacket) => void;
  name: string;
  type: string;
}

const EDNS_SIZE = 1232;

function minTtl(rrs: Answer[]): number | undefined {
  let m: number | undefined;
  for (const r of rrs) if (r.type !== 'OPT' && typeof r.ttl === 'number') m = m === undefined ? r.ttl : Math.min(m, r.ttl);
  return m;
}

/** The answer with no TTL above `max` (what is left of the cached lifetime). */
function clampTtls(res: ForwardResult, max: number): ForwardResult {
  const m = Math.max(0, max);
  const clamp = (rrs: Answer[]) => rrs.map((r) => (r.type === 'OPT' ? r : { ...r, ttl: Math.min(r.ttl ?? 0, m) })) as Answer[];
  return { ...res, answers: clamp(res.answers), authorities: clamp(res.authorities), additionals: clamp(res.additionals) };
}

export class Forwarder {
  private readonly cache: BoundedCache<{ res: ForwardResult; stored: number; ttl: number }>;
  private readonly inflight = new Map<string, Promise<ForwardResult | null>>();
  private readonly pending = new Map<number, Pending>();
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  private readonly timeoutMs: number;
  private readonly maxTtl: number;
  stats = { queries: 0, cacheHits: 0, failures: 0 };

  constructor(private readonly o: ForwarderOptions) {
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.maxTtl = o.maxTtl ?? 30;
    this.cache = new BoundedCache(o.cacheEntries ?? 10000);
  }

  get upstreams(): Upstream[] {
    return this.o.upstreams;
  }

  private socket(family: 4 | 6): dgram.Socket {
    let s = this.sockets.get(family);
    if (!s) {
      s = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
      s.on('message', (m) => this.onMessage(m));
      s.on('error', () => undefined);
      s.unref();
      this.sockets.set(family, s);
    }
    return s;
  }

  private onMessage(m: Buffer): void {
    if (m.length < 12) return;
    const p = this.pending.get(m.readUInt16BE(0));
    if (!p) return;
    let pkt: DecodedPacket;
    try {
      pkt = dnsPacket.decode(m);
    } catch {
      return;
    }
    const q = pkt.questions?.[0];
    // An answer to another question with the same id is not ours (spoofing, a late reply).
    if (!q || q.name.toLowerCase() !== p.name.toLowerCase() || q.type !== p.type) return;
    this.pending.delete(m.readUInt16BE(0));
    p.resolve(pkt);
  }

  /** The upstream answer to (name, type, class), from the cache or the network; null: none in time. */
  async resolve(name: string, type: string, klass = 'IN'): Promise<ForwardResult | null> {
    this.stats.queries++;
    const key = `${name.toLowerCase()}/${type}/${klass}`;
    const now = Date.now();
    const hit = this.cache.get(key, now);
    if (hit) {
      this.stats.cacheHits++;
      return clampTtls(hit.res, hit.ttl - Math.floor((now - hit.stored) / 1000));
    }
    let p = this.inflight.get(key);
    if (!p) {
      p = this.exchange(name, type, klass).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const res = await p;
    if (!res) this.stats.failures++;
    return res;
  }

  private async exchange(name: string, type: string, klass: string): Promise<ForwardResult | null> {
    if (this.o.upstreams.length === 0) return null;
    const deadline = Date.now() + this.timeoutMs;
    const per = Math.max(200, Math.floor(this.timeoutMs / this.o.upstreams.length));
    for (const up of this.o.upstreams) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const pkt = await this.udpExchange(up, name, type, klass, Math.min(per, left)).catch(() => null);
      if (!pkt) continue;
      let final: DecodedPacket = pkt;
      if (pkt.flag_tc) {
        const buf = this.queryBuffer(name, type, klass, randomInt(65536));
        const raw = await tcpQuery(up.host, up.port, buf, Math.max(100, deadline - Date.now())).catch(() => null);
        if (!raw) continue;
        try {
          final = dnsPacket.decode(raw);
        } catch {
          continue;
        }
      }
      // SERVFAIL / REFUSED from one upstream: try the next.
      const rcode = (final as unknown as { rcode?: string }).rcode ?? 'NOERROR';
      if (rcode === 'SERVFAIL' || rcode === 'REFUSED') continue;
      const res: ForwardResult = {
        rcode,
        flags: final.flags ?? 0,
        answers: final.answers ?? [],
        authorities: final.authorities ?? [],
        additionals: (final.additionals ?? []).filter((a) => a.type !== 'OPT'),
      };
      return this.store(name, type, klass, res);
    }
    return null;
  }

  private store(name: string, type: string, klass: string, res: ForwardResult): ForwardResult {
    let ttl: number | undefined;
    if (res.rcode === 'NOERROR' && res.answers.length) ttl = minTtl(res.answers);
    else if (res.rcode === 'NOERROR' || res.rcode === 'NXDOMAIN') {
      // Negative answers live for the SOA's minimum (RFC 2308), capped like the rest.
      const soa = res.authorities.find((a) => a.type === 'SOA') as { ttl?: number; data?: { minimum?: number } } | undefined;
      ttl = soa ? Math.min(soa.ttl ?? 0, soa.data?.minimum ?? 0) : 5;
    }
    if (ttl === undefined) return res;
    const capped = Math.min(ttl, this.maxTtl);
    this.cache.set(`${name.toLowerCase()}/${type}/${klass}`, { res, stored: Date.now(), ttl: capped }, capped * 1000);
    // The first answer too carries the capped TTL (CoreDNS's cache rewrites it before writing).
    return clampTtls(res, capped);
  }

  private queryBuffer(name: string, type: string, klass: string, id: number): Buffer {
    return dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name, type: type as 'A', class: klass as 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_SIZE, flags: 0, options: [] } as unknown as Answer],
    });
  }

  private udpExchange(up: Upstream, name: string, type: string, klass: string, timeoutMs: number): Promise<DecodedPacket | null> {
    let id = randomInt(65536);
    for (let i = 0; this.pending.has(id) && i < 100; i++) id = randomInt(65536);
    if (this.pending.has(id)) return Promise.resolve(null);
    const buf = this.queryBuffer(name, type, klass, id);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(null);
      }, timeoutMs);
      this.pending.set(id, {
        name,
        type,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
      this.socket(isIP(up.host) === 6 ? 6 : 4).send(buf, up.port, up.host, (err) => {
        if (err) {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(null);
        }
      });
    });
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    this.cache.clear();
  }
}
