import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildRequest, HttpConnection } from './http-load.js';

/** What the test server echoes back. */
interface Echo {
  method: string;
  url: string;
  body: string;
  big: string;
}

async function server(handler: http.RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => {
      srv.closeAllConnections();
      srv.close(() => r());
    }),
  };
}

test('requests on one keep-alive connection get their own status and body, whatever the chunking', async () => {
  const sockets = new Set<unknown>();
  const s = await server((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const text = JSON.stringify({ method: req.method, url: req.url, body, big: 'x'.repeat(req.url === '/big' ? 200_000 : 1) });
      res.writeHead(req.url === '/missing' ? 404 : 201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  const c = new HttpConnection(s.port);
  try {
    const a = await c.request(buildRequest('127.0.0.1', 'POST', '/a', '{"n":1}'));
    assert.equal(a.status, 201);
    assert.deepEqual((JSON.parse(a.body.toString()) as Echo).body, '{"n":1}');
    const big = await c.request(buildRequest('127.0.0.1', 'GET', '/big'));
    assert.equal((JSON.parse(big.body.toString()) as Echo).big.length, 200_000);
    const miss = await c.request(buildRequest('127.0.0.1', 'GET', '/missing'));
    assert.equal(miss.status, 404);
    assert.equal(sockets.size, 1, 'one connection carried all three');
  } finally {
    c.close();
    await s.close();
  }
});

test('a connection the server drops fails the request in flight, and later ones', async () => {
  const s = await server((req) => req.socket.destroy());
  const c = new HttpConnection(s.port);
  try {
    await assert.rejects(c.request(buildRequest('127.0.0.1', 'GET', '/')), /closed/);
    await assert.rejects(c.request(buildRequest('127.0.0.1', 'GET', '/')), /closed/);
  } finally {
    c.close();
    await s.close();
  }
});

test('a connection the server closes while idle (its keep-alive timeout) is reopened by the next request', async () => {
  const sockets = new Set<unknown>();
  const s = await server((req, res) => {
    sockets.add(req.socket);
    res.writeHead(200, { 'Content-Length': '2' });
    res.end('ok');
  });
  const c = new HttpConnection(s.port);
  try {
    assert.equal((await c.request(buildRequest('127.0.0.1', 'GET', '/'))).status, 200);
    // The server ends the idle connection, as its keep-alive or first-request timeout would.
    for (const sock of sockets) (sock as import('node:net').Socket).destroy();
    await new Promise((r) => setTimeout(r, 50));
    const again = await c.request(buildRequest('127.0.0.1', 'GET', '/'));
    assert.equal(again.status, 200);
    assert.equal(again.body.toString(), 'ok');
    assert.equal(sockets.size, 2, 'a second socket carried the second request');
  } finally {
    c.close();
    await s.close();
  }
});
