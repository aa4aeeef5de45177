// DNS helpers for tests: a query over UDP or TCP to a server on loopback, and
// a tiny upstream resolver on loopback (UDP and TCP) answering from a table,
// so forwarding is tested without sending anything off the machine.

import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import { FrameReader, frame, tcpQuery } from '../dns/tcp-frames.js';

export function queryPacket(name: string, type: string, o: { id?: number; edns?: number; flags?: number } = {}): Buffer {
  const p: Packet = {
    type: 'query',
    id: o.id ?? Math.floor(Math.random() * 65536),
    flags: o.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A', class: 'IN' }],
  };
  if (o.edns) p.additionals = [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, flags: 0, options: [] } as unknown as Answer];
  return dnsPacket.encode(p);
}

/** Sends raw bytes over UDP; resolves with the raw reply, or null after timeoutMs. */
export function udpRaw(host: string, port: number, msg: Buffer, timeoutMs = 3000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket(net.isIP(host) === 6 ? 'udp6' : 'udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(null);
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(msg, port, host);
  });
}

export type DnsReply = DecodedPacket & { rcode: string };

export async function udpQuery(host: string, port: number, name: string, type: string, o: { edns?: number; timeoutMs?: number } = {}): Promise<DnsReply> {
  const raw = await udpRaw(host, port, queryPacket(name, type, o), o.timeoutMs);
  if (!raw) throw new Error(`no answer from ${host}:${port} for ${name} ${type}`);
  return dnsPacket.decode(raw) as DnsReply;
}

export async function tcpDnsQuery(host: string, port: number, name: string, type: string): Promise<DnsReply> {
  return dnsPacket.decode(await tcpQuery(host, port, queryPacket(name, type), 3000)) as DnsReply;
}

export interface TestUpstream {
  host: string;
  port: number;
  /** Questions it was asked ("name TYPE"), in order. */
  asked: string[];
  stop(): Promise<void>;
}

/**
 * An upstream on 127.0.0.1: answers names in `records` (name → answers; type-matched), NXDOMAIN
 * with an SOA otherwise; names in `silent` get no answer at all (timeouts).
 */
export async function startTestUpstream(records: Record<string, Answer[]>, silent: string[] = []): Promise<TestUpstream> {
  const asked: string[] = [];
  const answer = (msg: Buffer, udp: boolean): Buffer | null => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0];
    asked.push(`${question.name} ${question.type}`);
    if (silent.includes(question.name)) return null;
    const recs = records[question.name.toLowerCase()];
    const answers = (recs ?? []).filter((r) => r.type === question.type || r.type === 'CNAME');
    const soa: Answer = { type: 'SOA', name: 'test', ttl: 60, data: { mname: 'ns.test', rname: 'hostmaster.test', serial: 1, refresh: 60, retry: 60, expire: 60, minimum: 10 } };
    const res = { type: 'response' as const, id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | dnsPacket.RECURSION_DESIRED | (recs ? 0 : 3), questions: q.questions, answers, authorities: answers.length ? [] : [soa] };
    const out = dnsPacket.encode(res);
    return udp && out.length > 512 ? dnsPacket.encode({ ...res, flags: res.flags | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [] }) : out;
  };
  let udp = dgram.createSocket('udp4');
  const onMessage = (m: Buffer, r: dgram.RemoteInfo) => {
    const out = answer(m, true);
    if (out) udp.send(out, r.port, r.address);
  };
  udp.on('message', onMessage);
  const tcp = net.createServer((sock) => {
    const reader = new FrameReader(65535);
    sock.on('error', () => sock.destroy());
    sock.on('data', (d) => {
      for (const m of reader.push(d) ?? []) {
        const out = answer(m, false);
        if (out) sock.write(frame(out));
      }
    });
  });
  // One port for both: the UDP port the kernel picks may be a TCP connection's local port, so pick again then.
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    port = udp.address().port;
    const err = await new Promise<Error | undefined>((r) => {
      tcp.once('error', r);
      tcp.listen(port, '127.0.0.1', () => {
        tcp.off('error', r);
        r(undefined);
      });
    });
    if (!err) break;
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw err;
    await new Promise<void>((r) => udp.close(() => r()));
    udp = dgram.createSocket('udp4');
    udp.on('message', onMessage);
  }
  return {
    host: '127.0.0.1',
    port,
    asked,
    async stop() {
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
