// Bad input: the handler and the listeners against malformed, hostile and
// oversized messages — FORMERR, NOTIMP or a drop, and the server keeps serving.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { ClusterIndex } from './cluster-index.js';
import { Forwarder } from './forwarder.js';
import { DnsHandler, RCODE } from './handler.js';
import { listen, type Listeners } from './listeners.js';
import { ZoneResolver } from './zone-answer.js';
import { queryPacket, udpQuery, udpRaw } from '../testing/dns-upstream.js';

const index = new ClusterIndex();
index.setNamespace({ metadata: { name: 'default' } }, true);
index.setService({ metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.20', ports: [{ port: 80 }] } }, true);
const forwarder = new Forwarder({ upstreams: [] });
const handler = new DnsHandler({ zone: 'cluster.local', index, forwarder, resolver: new ZoneResolver(index, { zone: 'cluster.local', ttl: 30, synced: () => true }) });
let server: Listeners;

before(async () => {
  server = await listen((m, udp) => handler.handle(m, udp), { host: '127.0.0.1', port: 0, maxConnections: 4 });
});
after(async () => {
  await server.close();
  forwarder.close();
});

const rcodeOf = (b: Buffer | null) => (b ? b.readUInt16BE(2) & 0xf : null);
const stillServes = async () => assert.deepEqual((await udpQuery(server.host, server.port, 'web.default.svc.cluster.local', 'A')).answers!.map((a) => (a as { data: string }).data), ['10.96.0.20']);

describe('bad input', () => {
  it('drops what is shorter than a header, and responses', async () => {
    assert.equal(await handler.handle(Buffer.alloc(5), true), null);
    const resp = queryPacket('web.default.svc.cluster.local', 'A');
    resp.writeUInt16BE(resp.readUInt16BE(2) | 0x8000, 2);
    assert.equal(await handler.handle(resp, true), null);
  });

  it('FORMERR for a header with garbage after it, no question, or two', async () => {
    const garbage = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xff, 0xff])]);
    const r = await handler.handle(garbage, true);
    assert.equal(rcodeOf(r), RCODE.FORMERR);
    assert.equal(r!.readUInt16BE(0), 0x1234, 'id echoed');
    const none = dnsPacket.encode({ type: 'query', id: 7, questions: [] });
    assert.equal(rcodeOf(await handler.handle(none, true)), RCODE.FORMERR);
    const two = dnsPacket.encode({ type: 'query', id: 7, questions: [{ name: 'a.test', type: 'A' }, { name: 'b.test', type: 'A' }] });
    assert.equal(rcodeOf(await handler.handle(two, true)), RCODE.FORMERR);
  });

  it('NOTIMP for opcodes other than QUERY', async () => {
    for (const opcode of [1, 2, 4, 5, 15]) {
      const m = queryPacket('web.default.svc.cluster.local', 'A');
      m.writeUInt16BE((m.readUInt16BE(2) & ~0x7800) | (opcode << 11), 2);
      const r = await handler.handle(m, true);
      assert.equal(rcodeOf(r), RCODE.NOTIMP, `opcode ${opcode}`);
      assert.equal((r!.readUInt16BE(2) >> 11) & 0xf, opcode, 'opcode echoed');
    }
  });

  it('answers unknown types (NODATA in the zone) and refuses zone transfers', async () => {
    const unknown = dnsPacket.decode((await handler.handle(queryPacket('web.default.svc.cluster.local', 'UNKNOWN_4242'), true))!) as unknown as { rcode: string; answers: unknown[] };
    assert.equal(unknown.rcode, 'NOERROR');
    assert.equal(unknown.answers.length, 0);
    assert.equal(rcodeOf(await handler.handle(queryPacket('cluster.local', 'AXFR'), true)), RCODE.REFUSED);
  });

  it('survives 5000 random and mutated packets, then still answers', async () => {
    const valid = queryPacket('web.default.svc.cluster.local', 'A', { edns: 1232 });
    for (let i = 0; i < 5000; i++) {
      let m: Buffer;
      if (i % 2) m = randomBytes(Math.floor(Math.random() * 300));
      else {
        m = Buffer.from(valid);
        for (let k = 0; k < 1 + (i % 5); k++) m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
      }
      const r = await handler.handle(m, i % 3 === 0);
      if (r) assert.ok(r.length >= 12);
    }
    for (let i = 0; i < 200; i++) await udpRaw(server.host, server.port, randomBytes(1 + Math.floor(Math.random() * 600)), 1).catch(() => null);
    await stillServes();
  });

  it('TCP: an oversized length closes the connection; the connection cap holds; pipelined queries all answered', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(server.port, server.host, () => s.write(Buffer.from([0xff, 0xff, 1, 2, 3])));
      s.on('close', () => resolve(true));
      s.on('error', () => undefined);
      setTimeout(() => resolve(false), 3000);
    });
    assert.ok(closed, 'closed on a 65535-byte announced length');
    // The server holds 4 connections; the rest are closed at once.
    let closedByServer = 0;
    const socks = await Promise.all(Array.from({ length: 8 }, () => new Promise<net.Socket>((r) => {
      const s = net.connect(server.port, server.host, () => r(s));
      s.on('close', () => closedByServer++);
      s.on('error', () => undefined);
    })));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(closedByServer, 4, 'connections over the cap are closed');
    for (const s of socks) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const frames = Buffer.concat(Array.from({ length: 10 }, (_, i) => {
      const q = queryPacket('web.default.svc.cluster.local', 'A', { id: i + 1 });
      const len = Buffer.alloc(2);
      len.writeUInt16BE(q.length);
      return Buffer.concat([len, q]);
    }));
    const ids = await new Promise<number[]>((resolve, reject) => {
      const got: number[] = [];
      let buf = Buffer.alloc(0);
      const s = net.connect(server.port, server.host, () => s.write(frames));
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          got.push(buf.readUInt16BE(2));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (got.length === 10) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
    });
    assert.deepEqual(ids.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await stillServes();
  });
});
