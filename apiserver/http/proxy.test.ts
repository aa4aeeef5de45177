// The proxy subresources on a real apiserver and etcd: the path and id rules, the
// refusal of loopback/link-local targets (a listener on 127.0.0.1 must see no
// connection), the 503s of a service without endpoints, and real forwarding through
// nodes/<n>/proxy to a stand-in kubelet on loopback (verbs, streamed bodies both ways,
// hop-by-hop and credential headers, Location rewriting, a WebSocket upgrade).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { startTestApi, type TestApi } from '../../testing/cluster.js';
import { cleanTargetPath, proxyRouteOf } from './proxy-path.js';
import { isProxyableIP, splitSchemeNamePort } from './proxy-target.js';

test('ids split as upstream SplitSchemeNamePort', () => {
  assert.deepEqual(splitSchemeNamePort('web'), { scheme: '', name: 'web', port: '' });
  assert.deepEqual(splitSchemeNamePort('web:80'), { scheme: '', name: 'web', port: '80' });
  assert.deepEqual(splitSchemeNamePort('https:web:443'), { scheme: 'https', name: 'web', port: '443' });
  assert.equal(splitSchemeNamePort('ftp:web:21'), undefined);
  assert.equal(splitSchemeNamePort(':80'), undefined);
  assert.equal(splitSchemeNamePort('a:b:c:d'), undefined);
});

test('loopback, link-local, unspecified and multicast addresses are not proxyable', () => {
  for (const ip of ['127.0.0.1', '127.1.2.3', '169.254.169.254', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', 'localhost', '']) {
    assert.equal(isProxyableIP(ip), false, ip);
  }
  for (const ip of ['10.244.0.5', '192.168.1.2', 'fd00::5']) assert.equal(isProxyableIP(ip), true, ip);
});

test('proxy paths: prefix, id and a cleaned target path that never climbs above the root', () => {
  const r = proxyRouteOf('/api/v1/namespaces/ns1/services/https:web:443/proxy/a/../../../etc/./x/');
  assert.deepEqual(r, { resource: 'services', namespace: 'ns1', id: 'https:web:443', prefix: '/api/v1/namespaces/ns1/services/https:web:443/proxy', targetPath: '/etc/x/' });
  assert.equal(proxyRouteOf('/api/v1/nodes/n1/proxy')?.targetPath, '');
  assert.equal(proxyRouteOf('/api/v1/namespaces/ns1/pods/p/log'), undefined);
  assert.equal(cleanTargetPath('/%2e%2e/a%20b'), '/a%20b');
  assert.throws(() => proxyRouteOf('/api/v1/nodes/n1/proxy/%zz'), /malformed path/);
});

let t: TestApi;
let kubelet: http.Server;
let kubeletPort: number;
let wss: WebSocketServer;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
// A host service on loopback that a pod or an endpoint claiming 127.0.0.1 would reach.
let hostService: net.Server;
let hostServicePort: number;
let hostServiceConnections = 0;

before(async () => {
  kubelet = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString() });
      if (req.url === '/healthz') return void res.end('ok');
      if (req.url === '/moved') {
        res.writeHead(302, { Location: '/healthz', Connection: 'close, X-Hop', 'X-Hop': 'secret' });
        return void res.end();
      }
      if (req.url === '/elsewhere') {
        res.writeHead(302, { Location: 'http://example.invalid/x' });
        return void res.end();
      }
      // Echo: a body streamed back, the status chosen by the method.
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'text/plain', 'keep-alive': 'timeout=5' });
      res.end(`${req.method} ${req.url} ${Buffer.concat(parts).length}`);
    });
  });
  wss = new WebSocketServer({ server: kubelet });
  wss.on('connection', (ws, req) => {
    seen.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers, body: '' });
    ws.on('message', (m: Buffer) => ws.send(`echo:${m.toString()}`));
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  kubeletPort = (kubelet.address() as AddressInfo).port;
  hostService = net.createServer((s) => {
    hostServiceConnections++;
    s.end('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret');
  });
  await new Promise<void>((r) => hostService.listen(0, '127.0.0.1', r));
  hostServicePort = (hostService.address() as AddressInfo).port;
  t = await startTestApi({ token: 'adm1n', kubeletToken: 'kub3let' });
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
  assert.equal((await t.req('POST', '/api/v1/nodes', node)).status, 201);
  const st = await t.req('PATCH', '/api/v1/nodes/n1/status', { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(st.status, 200, st.text);
});

after(async () => {
  await t?.stop();
  wss?.close();
  kubelet?.close();
  hostService?.close();
});

const auth = { authorization: 'Bearer adm1n' };

test('nodes/<n>/proxy forwards any verb and the body to the kubelet, with the apiserver\'s credentials only', async () => {
  const big = 'x'.repeat(300_000);
  // node's http client: fetch refuses to send a Connection header.
  const r = await new Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const u = new URL(`${t.url}/api/v1/nodes/n1/proxy/echo/a?x=1`);
    const q = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', agent: false, headers: { ...auth, 'Proxy-Authorization': 'p', Connection: 'keep-alive, X-Drop', 'X-Drop': 'd', 'X-Keep': 'k' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString(), headers: res.headers }));
    });
    q.on('error', reject);
    // Written in pieces: the body is streamed on, not collected first.
    for (let i = 0; i < big.length; i += 65536) q.write(big.slice(i, i + 65536));
    q.end();
  });
  assert.equal(r.status, 201);
  assert.equal(r.text, `POST /echo/a?x=1 ${big.length}`);
  assert.notEqual(r.headers['keep-alive'], 'timeout=5', "the target's hop-by-hop header is dropped (node's server adds its own)");
  const got = seen.at(-1)!;
  assert.equal(got.headers.authorization, 'Bearer kub3let', 'the kubelet sees the apiserver, not the client');
  assert.equal(got.headers['proxy-authorization'], undefined);
  assert.equal(got.headers['x-drop'], undefined, 'a header named by Connection is hop-by-hop');
  assert.equal(got.headers['x-keep'], 'k');
  assert.equal(got.headers['x-forwarded-uri'], '/api/v1/nodes/n1/proxy/echo/a');
  for (const method of ['PUT', 'PATCH', 'DELETE', 'GET']) {
    const x = await fetch(`${t.url}/api/v1/nodes/n1/proxy/m`, { method, headers: auth, ...(method === 'GET' || method === 'DELETE' ? {} : { body: 'ab' }) });
    assert.equal(await x.text(), `${method} /m ${method === 'GET' || method === 'DELETE' ? 0 : 2}`);
  }
  const h = await t.req('GET', '/api/v1/nodes/n1:' + kubeletPort + '/proxy/healthz');
  assert.equal(h.text, 'ok');
});

test('a Location on the target is rewritten under the proxy path, one elsewhere passed unfollowed', async () => {
  const r = await fetch(`${t.url}/api/v1/nodes/n1/proxy/moved`, { headers: auth, redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/api/v1/nodes/n1/proxy/healthz');
  assert.equal(r.headers.get('x-hop'), null);
  const e = await fetch(`${t.url}/api/v1/nodes/n1/proxy/elsewhere`, { headers: auth, redirect: 'manual' });
  assert.equal(e.status, 302);
  assert.equal(e.headers.get('location'), 'http://example.invalid/x');
  // The proxy root without its slash is redirected to it, as upstream.
  const root = await fetch(`${t.url}/api/v1/nodes/n1/proxy?a=b`, { headers: auth, redirect: 'manual' });
  assert.equal(root.status, 301);
  assert.equal(root.headers.get('location'), '/api/v1/nodes/n1/proxy/?a=b');
});

test('a WebSocket upgrade passes through nodes/<n>/proxy', async () => {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/nodes/n1/proxy/ws`, { headers: auth });
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('hi'));
    ws.on('message', (m: Buffer) => resolve(m.toString()));
    ws.on('error', reject);
  });
  ws.close();
  assert.equal(reply, 'echo:hi');
  const up = [...seen].reverse().find((x) => x.method === 'UPGRADE')!;
  assert.equal(up.url, '/ws');
  assert.equal(up.headers.authorization, 'Bearer kub3let');
});

test('unauthenticated proxy requests are refused before anything is dialled', async () => {
  const before = seen.length;
  const r = await fetch(`${t.url}/api/v1/nodes/n1/proxy/healthz`);
  assert.equal(r.status, 401);
  assert.equal(seen.length, before);
});

test('pods and endpoints on loopback or link-local addresses are never proxied to', async () => {
  const ns = 'default';
  const mkPod = async (name: string, ip: string) => {
    const p = await t.req('POST', `/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: hostServicePort }] }] } });
    assert.equal(p.status, 201, p.text);
    const s = await t.req('PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, { status: { podIP: ip, podIPs: [{ ip }] } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(s.status, 200, s.text);
  };
  await mkPod('lo', '127.0.0.1');
  await mkPod('meta', '169.254.169.254');
  for (const id of ['lo', `lo:${hostServicePort}`, 'meta:80']) {
    const r = await t.req('GET', `/api/v1/namespaces/${ns}/pods/${id}/proxy/`);
    assert.equal(r.status, 400, `${id}: ${r.text}`);
    assert.equal((r.body as { message: string }).message, 'address not allowed');
  }
  const svc = await t.req('POST', `/api/v1/namespaces/${ns}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } });
  assert.equal(svc.status, 201, svc.text);
  const none = await t.req('GET', `/api/v1/namespaces/${ns}/services/web:80/proxy/`);
  assert.equal(none.status, 503);
  assert.equal((none.body as { message: string }).message, 'no endpoints available for service "web"');
  const ep = await t.req('POST', `/api/v1/namespaces/${ns}/endpoints`, {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' },
    subsets: [{ addresses: [{ ip: '127.0.0.1', targetRef: { kind: 'Pod', namespace: ns, name: 'lo' } }], ports: [{ name: 'http', port: hostServicePort }] }],
  });
  assert.equal(ep.status, 201, ep.text);
  for (const id of ['web', 'web:80', 'web:http', 'https:web:80']) {
    const r = await t.req('GET', `/api/v1/namespaces/${ns}/services/${id}/proxy/`);
    assert.equal(r.status, 503, `${id}: ${r.text}`);
  }
  const noPort = await t.req('GET', `/api/v1/namespaces/${ns}/services/web:81/proxy/`);
  assert.equal((noPort.body as { message: string }).message, 'no service port 81 found for service "web"');
  // Other ports of a node on loopback are not proxied either (only the kubelet's own).
  const other = await t.req('GET', `/api/v1/nodes/n1:${hostServicePort}/proxy/`);
  assert.equal(other.status, 400);
  assert.equal(hostServiceConnections, 0, 'nothing reached the host service');
  const bad = await t.req('GET', `/api/v1/namespaces/${ns}/pods/a:b:c:d/proxy/`);
  assert.equal(bad.status, 400);
  assert.equal((bad.body as { message: string }).message, 'invalid pod request "a:b:c:d"');
  const missing = await t.req('GET', `/api/v1/namespaces/${ns}/pods/nope/proxy/`);
  assert.equal(missing.status, 404);
});
