// The kubelet's API over HTTPS with client certificates, end to end on loopback: the
// certificates `up` makes (cmd/pki.ts), the kubelet's server (kubelet/server.ts) and the
// apiserver's side of it (client/kubelet-client.ts). Anonymous and foreign-CA clients
// get 401, a cluster-CA certificate of someone else 403, the apiserver's certificate
// gets through; the apiserver refuses a kubelet whose certificate the CA did not sign.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { createMetrics } from '../kubelet/metrics.js';
import { kubeletDial, kubeletGet, type KubeletClientCredentials } from '../client/kubelet-client.js';
import { startHealthzServer, startKubeletServer, type ServerDeps } from '../kubelet/server.js';
import { ensureClientCert, ensureKubeletPki, ensureServingCert, type KubeletPki } from './pki.js';
import type { PodList } from '../api/core.js';

const root = mkdtempSync(join(tmpdir(), 'tkt-kubelet-tls-'));
let pki: KubeletPki;
let other: { cert: string; key: string; ca: string };
let someone: { cert: string; key: string };
let server: Awaited<ReturnType<typeof startKubeletServer>>;

const deps = {
  runtime: undefined as never,
  findPod: () => undefined,
  runningContainer: () => Promise.resolve(undefined),
  readySandbox: () => Promise.resolve(undefined),
  podLogDir: () => root,
  containerRunning: () => Promise.resolve(false),
  metrics: createMetrics(),
  healthy: () => true,
  pods: () => [{ metadata: { namespace: 'default', name: 'p1' } }],
  summary: () => Promise.resolve({ node: { nodeName: 'node-a', startTime: '2026-01-01T00:00:00Z' }, pods: [] }),
} satisfies ServerDeps;

before(async () => {
  pki = await ensureKubeletPki(join(root, 'pki'), { name: 'node-a', ip: '127.0.0.1' });
  // Someone the cluster CA knows but who is not the apiserver.
  someone = await ensureClientCert(join(root, 'pki'), 'someone', 'system:node:node-b', 'system:nodes');
  // A whole other CA, with a client certificate of the apiserver's name.
  const o = join(root, 'other');
  const c = await ensureClientCert(o, 'apiserver-kubelet-client', 'kube-apiserver-kubelet-client', 'system:masters');
  const { readFileSync } = await import('node:fs');
  other = { cert: c.cert, key: c.key, ca: readFileSync(join(o, 'ca.crt'), 'utf8') };
  server = await startKubeletServer(deps, 0, '127.0.0.1', { tls: { cert: pki.serving.cert, key: pki.serving.key }, clientCA: pki.ca });
});

after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

function get(path: string, creds: KubeletClientCredentials): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = kubeletGet('127.0.0.1', server.port, path, creds, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

test('the apiserver client certificate (cluster CA) reads /pods and the kubelet serving cert verifies for its IP', async () => {
  const r = await get('/pods', { cert: pki.client.cert, key: pki.client.key, ca: pki.ca });
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body) as PodList).items[0].metadata.name, 'p1');
  assert.match(pki.serving.cert, /BEGIN CERTIFICATE/);
});

test('no client certificate: 401 on every path, /healthz included', async () => {
  for (const path of ['/pods', '/metrics', '/stats/summary', '/metrics/resource', '/healthz', '/containerLogs/default/p1/c', '/exec/default/p1/c']) {
    const r = await get(path, { ca: pki.ca });
    assert.equal(r.status, 401, path);
  }
});

test('a certificate from another CA is not authenticated (401), even with the right name', async () => {
  const r = await get('/pods', { cert: other.cert, key: other.key, ca: pki.ca });
  assert.equal(r.status, 401);
});

test('a cluster-CA certificate of someone else is authenticated but forbidden (403)', async () => {
  const r = await get('/pods', { cert: someone.cert, key: someone.key, ca: pki.ca });
  assert.equal(r.status, 403);
  assert.match(r.body, /^Forbidden \(user=system:node:node-b, verb=get, resource=nodes, subresource=pods\)/);
});

test('plain HTTP to the TLS port gets nothing served', async () => {
  const r = await fetch(`http://127.0.0.1:${server.port}/pods`).then((x) => x.status, (e: Error) => e.message);
  assert.notEqual(r, 200);
});

test('streaming upgrades need the certificate too: 401 without, 101/404 path handling with it', async () => {
  const upgrade = async (creds: KubeletClientCredentials) => {
    const sock = await kubeletDial('127.0.0.1', server.port, creds);
    sock.write('GET /exec/default/nope/c?command=true&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n');
    const first = await new Promise<string>((resolve) => {
      let buf = '';
      sock.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\r\n')) resolve(buf.split('\r\n')[0]);
      });
      sock.on('close', () => resolve(buf.split('\r\n')[0]));
    });
    sock.destroy();
    return first;
  };
  assert.match(await upgrade({ ca: pki.ca }), /^HTTP\/1\.1 401/);
  assert.match(await upgrade({ cert: someone.cert, key: someone.key, ca: pki.ca }), /^HTTP\/1\.1 403/);
  // Authorized: the request reaches the streaming handler (which answers for the unknown pod).
  assert.doesNotMatch(await upgrade({ cert: pki.client.cert, key: pki.client.key, ca: pki.ca }), /^HTTP\/1\.1 40[13]/);
});

test('the apiserver refuses a kubelet whose serving certificate its CA did not sign, or that is not for the address dialled', async () => {
  const foreign = await ensureServingCert(join(root, 'other'), 'kubelet', { ips: ['127.0.0.1'], dns: [] });
  const impostor = https.createServer({ cert: foreign.cert, key: foreign.key }, (_q, r) => r.end('pods'));
  await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', () => r()));
  const port = (impostor.address() as { port: number }).port;
  try {
    const err = await new Promise<Error>((resolve) => kubeletGet('127.0.0.1', port, '/pods', { cert: pki.client.cert, key: pki.client.key, ca: pki.ca }, () => resolve(new Error('answered'))).on('error', resolve));
    assert.match(err.message, /self[- ]signed|unable to verify|unable to get local issuer/i);
    await assert.rejects(kubeletDial('127.0.0.1', port, { ca: pki.ca }), /self[- ]signed|unable to verify|unable to get local issuer/i);
  } finally {
    impostor.close();
  }
  // Our kubelet's certificate names 127.0.0.1 and node-a, not another node.
  await assert.rejects(
    new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', servername: 'node-b', port: server.port, ca: pki.ca, cert: pki.client.cert, key: pki.client.key }, () => resolve(s));
      s.on('error', reject);
    }),
    /does not match certificate's altnames/,
  );
});

test('the loopback /healthz listener is open, plain HTTP, /healthz only', async () => {
  const h = await startHealthzServer(() => true, 0);
  try {
    assert.equal(await (await fetch(`http://127.0.0.1:${h.port}/healthz`)).text(), 'ok');
    assert.equal((await fetch(`http://127.0.0.1:${h.port}/pods`)).status, 404);
  } finally {
    await h.close();
  }
});
