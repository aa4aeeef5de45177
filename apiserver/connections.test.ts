// Connection floods against a real apiserver started with small caps: a flooder holding
// thousands of idle sockets, or every slot busy with watches and slow requests, must not
// stop another client (or a loopback component on the flooder's own address) from
// getting answers; the flooder gets closed connections or a 429 Status.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import { defaultConnectionLimits } from './http/connections.js';
import type { Status } from '../api/meta.js';

let t: TestApi;
let port: number;
const opened: net.Socket[] = [];
const LIMITS = {
  maxConnections: 300,
  maxConnectionsPerAddress: 100,
  maxLongRunning: 200,
  maxLongRunningPerAddress: 40,
  firstRequestTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
};

before(async () => {
  t = await startTestApi({ connectionLimits: LIMITS });
  port = t.api.port;
});
after(async () => {
  for (const s of opened) s.destroy();
  await t?.stop();
});

/** One TCP connection from `from` (any 127/8 address is ours on loopback); resolves once connected or refused. */
function connect(from: string): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
    opened.push(s);
    s.on('error', () => undefined);
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/** A GET on a fresh connection from `from`. */
function get(from: string, path: string, timeoutMs = 10_000): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, localAddress: from, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} from ${from} timed out`)));
    req.on('error', reject);
  });
}

/** Start a watch from `from`; resolves with the status once the response head arrives (the stream stays open). */
function startWatch(from: string): Promise<{ status: number; body: Promise<string>; headers: http.IncomingHttpHeaders; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/v1/namespaces/default/configmaps?watch=true', localAddress: from, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      const body = new Promise<string>((r) => {
        res.on('end', () => r(text));
        res.on('close', () => r(text));
      });
      resolve({ status: res.statusCode!, body, headers: res.headers, req });
    });
    req.on('error', reject);
    req.on('socket', (s) => opened.push(s));
  });
}

const isOpen = (s: net.Socket) => !s.destroyed && s.readyState === 'open';

describe('connection caps', () => {
  test('defaults leave room under the descriptor limit', () => {
    const d = defaultConnectionLimits(20_000);
    assert.ok(d.maxConnections <= 10_000);
    assert.ok(d.maxConnectionsPerAddress < d.maxConnections);
    assert.ok(d.maxLongRunningPerAddress < d.maxLongRunning);
    assert.ok(d.maxLongRunning <= d.maxConnections);
  });

  test('2000 idle sockets from one address: older ones are closed, other addresses and the same address still get answers', async () => {
    const flood: net.Socket[] = [];
    for (let i = 0; i < 2000; i += 100) {
      flood.push(...(await Promise.all(Array.from({ length: 100 }, () => connect('127.0.0.2')))));
      if (i === 1000) {
        // Mid-flood, another address is served at once.
        const r = await get('127.0.0.1', '/readyz');
        assert.equal(r.status, 200);
      }
    }
    // The server's closes reach these sockets as their FINs arrive: soon, later on a loaded machine.
    let stillOpen = Infinity;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      stillOpen = flood.filter(isOpen).length;
      if (stillOpen <= LIMITS.maxConnectionsPerAddress) break;
    }
    assert.ok(stillOpen <= LIMITS.maxConnectionsPerAddress, `${stillOpen} flood sockets still open`);
    assert.ok(t.api.connections.stats().open <= LIMITS.maxConnections);
    const list = await get('127.0.0.1', '/api/v1/namespaces/default/configmaps');
    assert.equal(list.status, 200);
    // A client on the flooder's own address (a loopback component) is served too: an idle flood socket makes room.
    const same = await get('127.0.0.2', '/api/v1/namespaces');
    assert.equal(same.status, 200);
    assert.ok(t.api.connections.stats().evicted >= 1900);
    for (const s of flood) s.destroy();
  });

  test('every slot of an address busy: its next watch and its next connection get a 429 Status; others are served', async () => {
    const from = '127.0.0.3';
    const watches = [];
    for (let i = 0; i < LIMITS.maxLongRunningPerAddress; i++) watches.push(await startWatch(from));
    assert.ok(watches.every((w) => w.status === 200));
    // One watch over the per-address cap.
    const over = await startWatch(from);
    assert.equal(over.status, 429);
    assert.equal(over.headers['retry-after'], '1');
    const status = JSON.parse(await over.body) as Status;
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'TooManyRequests');
    assert.equal(status.code, 429);
    over.req.destroy();
    // Fill the rest of the address's connections with requests whose bodies never finish (busy, not idle).
    const slow: net.Socket[] = [];
    while (slow.length < LIMITS.maxConnectionsPerAddress - LIMITS.maxLongRunningPerAddress) {
      const s = await connect(from);
      s.write('POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
      slow.push(s);
    }
    await new Promise((r) => setTimeout(r, 300));
    // Now the next connection from that address finds nothing idle to evict.
    const refused = await connect(from);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      refused.on('data', (c: Buffer) => (text += c.toString()));
      refused.on('close', () => resolve(text));
      setTimeout(() => resolve(text), 3000);
    });
    assert.match(answer, /^HTTP\/1\.1 429 Too Many Requests/);
    assert.match(answer, /Retry-After: 1/);
    assert.match(answer, /"reason":"TooManyRequests"/);
    // Another address is served, and the server is ready.
    const ready = await get('127.0.0.1', '/readyz');
    assert.equal(ready.status, 200);
    const list = await get('127.0.0.4', '/api/v1/namespaces/default/configmaps?limit=1');
    assert.equal(list.status, 200);
    // When the flooder goes, its slots come back.
    for (const w of watches) w.req.destroy();
    for (const s of slow) s.destroy();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(t.api.connections.stats().longRunning, 0);
    const again = await startWatch(from);
    assert.equal(again.status, 200);
    again.req.destroy();
  });

  test('a connection that never sends a request is closed after firstRequestTimeoutMs', async () => {
    const quick = await startTestApi({ connectionLimits: { firstRequestTimeoutMs: 300 } });
    try {
      const s = net.connect({ host: '127.0.0.1', port: quick.api.port });
      s.on('error', () => undefined);
      const closedAfter = await new Promise<number>((resolve) => {
        const t0 = Date.now();
        s.once('close', () => resolve(Date.now() - t0));
      });
      assert.ok(closedAfter < 3000, `closed after ${closedAfter} ms`);
      assert.equal((await quick.req('GET', '/readyz')).status, 200);
    } finally {
      await quick.stop();
    }
  });
});
