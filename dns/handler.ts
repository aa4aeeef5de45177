// One DNS message in, one out (or none): the checks every query passes (RFC
// 1035/6891 header rules), the choice between the cluster zone, a cluster
// reverse name and the forwarder, the EDNS0 size and truncation. Answers from
// the cluster zone are kept encoded, keyed by the query's bytes after its id,
// until the cluster changes: a repeated query costs a lookup and a copy.

import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';
import { BoundedCache } from './answer-cache.js';
import type { ClusterIndex } from './cluster-index.js';
import type { Forwarder } from './forwarder.js';
import { isReverseName, labelsBelow, reverseAddress } from './names.js';
import type { Reply, ZoneResolver } from './zone-answer.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type RcodeName = keyof typeof RCODE;

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const RA = 0x0080;
const CD = 0x0010;
/** What we advertise and the most we send over UDP to a client that asks for more. */
export const MAX_UDP = 1232;
const MIN_UDP = 512;

export interface HandlerOptions {
  zone: string;
  index: ClusterIndex;
  resolver: ZoneResolver;
  forwarder: Forwarder;
  answerCacheEntries?: number;
}

export interface HandlerStats {
  byRcode: Record<string, number>;
  dropped: number;
  cached: number;
}

/** A reply carrying only the header (and the question when we could read it): FORMERR, NOTIMP. */
function headerOnly(query: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(query.readUInt16BE(0), 0);
  const flags = query.readUInt16BE(2);
  out.writeUInt16BE(QR | (flags & 0x7800) | (flags & RD) | rcode, 2);
  return out;
}

export class DnsHandler {
  private readonly encoded: BoundedCache<Buffer>;
  private generation = -1;
  readonly stats: HandlerStats = { byRcode: {}, dropped: 0, cached: 0 };

  constructor(private readonly o: HandlerOptions) {
    this.encoded = new BoundedCache(o.answerCacheEntries ?? 20000);
  }

  private count(rcode: number): void {
    const name = (Object.keys(RCODE) as RcodeName[]).find((k) => RCODE[k] === rcode) ?? String(rcode);
    this.stats.byRcode[name] = (this.stats.byRcode[name] ?? 0) + 1;
  }

  /**
   * The encoded answer to a query seen before since the cluster last changed, with this query's
   * id; undefined when there is none. Synchronous and allocation-light: the hot path.
   */
  cached(msg: Buffer, udp: boolean): Buffer | undefined {
    if (msg.length < 12 || msg.readUInt16BE(2) & 0xf800) return undefined;
    if (this.generation !== this.o.index.generation) {
      this.encoded.clear();
      this.generation = this.o.index.generation;
      return undefined;
    }
    const hit = this.encoded.get(`${udp ? 'u' : 't'}${msg.toString('latin1', 2)}`);
    if (!hit) return undefined;
    this.stats.cached++;
    const out = Buffer.allocUnsafe(hit.length);
    hit.copy(out);
    out.writeUInt16BE(msg.readUInt16BE(0), 0);
    this.count(out.readUInt16BE(2) & 0xf);
    return out;
  }

  /** The reply to `msg` (over UDP when `udp`), or null to drop it. Never throws. */
  async handle(msg: Buffer, udp: boolean): Promise<Buffer | null> {
    try {
      return await this.handleUnsafe(msg, udp);
    } catch {
      // A bug must cost one answer, not the server.
      if (msg.length < 12) return null;
      this.count(RCODE.SERVFAIL);
      return headerOnly(msg, RCODE.SERVFAIL);
    }
  }

  private async handleUnsafe(msg: Buffer, udp: boolean): Promise<Buffer | null> {
    // Too short for a header, or a response (answering it could start a loop between two servers): drop.
    if (msg.length < 12 || msg.readUInt16BE(2) & QR) {
      this.stats.dropped++;
      return null;
    }
    const flags = msg.readUInt16BE(2);
    const opcode = (flags >> 11) & 0xf;
    if (opcode !== 0) {
      this.count(RCODE.NOTIMP);
      return headerOnly(msg, RCODE.NOTIMP);
    }
    const hit = this.cached(msg, udp);
    if (hit) return hit;
    const cacheKey = `${udp ? 'u' : 't'}${msg.toString('latin1', 2)}`;
    let q: DecodedPacket;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      this.count(RCODE.FORMERR);
      return headerOnly(msg, RCODE.FORMERR);
    }
    if (msg.readUInt16BE(4) !== 1 || !q.questions?.length || (q.answers?.length ?? 0) > 0) {
      this.count(RCODE.FORMERR);
      return headerOnly(msg, RCODE.FORMERR);
    }
    const opts = (q.additionals ?? []).filter((a) => a.type === 'OPT') as unknown as { udpPayloadSize?: number }[];
    if (opts.length > 1) {
      this.count(RCODE.FORMERR);
      return headerOnly(msg, RCODE.FORMERR);
    }
    const edns = opts[0];
    const limit = !udp ? 65535 : edns ? Math.min(MAX_UDP, Math.max(MIN_UDP, edns.udpPayloadSize ?? MIN_UDP)) : MIN_UDP;
    const question = q.questions[0];
    const { reply, cacheable, upstreamFlags } = await this.answer(question);
    const out = this.encode(q, question, reply, upstreamFlags, edns !== undefined, limit);
    this.count(out.readUInt16BE(2) & 0xf);
    if (cacheable) this.encoded.set(cacheKey, out, 3600_000);
    return out;
  }

  private async answer(question: Question): Promise<{ reply: Reply; cacheable: boolean; upstreamFlags: number }> {
    const name = question.name;
    const klass = question.class ?? 'IN';
    if (labelsBelow(name, this.o.zone) !== null) {
      if (klass !== 'IN' && klass !== 'ANY') return { reply: refused(), cacheable: true, upstreamFlags: 0 };
      // Cluster answers change only with the cluster: cache until the index moves (not
      // ExternalName chains, whose tails come from upstream with their own TTLs).
      const reply = await this.o.resolver.answer(name, question.type);
      return { reply, cacheable: !reply.answers.some((a) => a.type === 'CNAME'), upstreamFlags: 0 };
    }
    if (question.type === 'PTR' && isReverseName(name)) {
      const ip = reverseAddress(name);
      const r = ip ? this.o.resolver.ptr(name, ip) : null;
      if (r) return { reply: r, cacheable: true, upstreamFlags: 0 };
    }
    const f = await this.o.forwarder.resolve(name, question.type, klass);
    if (!f) return { reply: { rcode: 'SERVFAIL', answers: [], authorities: [], additionals: [], authoritative: false }, cacheable: false, upstreamFlags: 0 };
    return {
      reply: { rcode: f.rcode as Reply['rcode'], answers: f.answers, authorities: f.authorities, additionals: f.additionals, authoritative: false },
      cacheable: false,
      upstreamFlags: f.flags & RA,
    };
  }

  private encode(q: DecodedPacket, question: Question, reply: Reply, upstreamFlags: number, edns: boolean, limit: number): Buffer {
    const rcode = (RCODE as Record<string, number>)[reply.rcode] ?? RCODE.SERVFAIL;
    const qflags = q.flags ?? 0;
    const flags = (qflags & (RD | CD)) | (reply.authoritative ? AA : 0) | upstreamFlags | rcode;
    const opt = edns ? [{ type: 'OPT', name: '.', udpPayloadSize: MAX_UDP, flags: 0, options: [] } as unknown as Answer] : [];
    const pkt = {
      type: 'response' as const,
      id: q.id ?? 0,
      flags,
      questions: [question],
      answers: reply.answers,
      authorities: reply.authorities,
      additionals: [...reply.additionals, ...opt],
    };
    const out = dnsPacket.encode(pkt);
    if (out.length <= limit) return out;
    // Too big for this client over UDP: the header and question with TC set; it asks again over TCP.
    return dnsPacket.encode({ ...pkt, flags: flags | TC, answers: [], authorities: [], additionals: opt });
  }
}

function refused(): Reply {
  return { rcode: 'REFUSED', answers: [], authorities: [], additionals: [], authoritative: false };
}
