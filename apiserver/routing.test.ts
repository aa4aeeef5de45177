// Routing without a framework: authentication before every path but the public
// ones, the non-resource paths (GET/HEAD, one trailing slash), 404/400 Statuses for
// everything else, and upgrades routed and authenticated the same way.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import type { Status } from '../api/meta.js';

const TOKEN = 'routing-test-token';
let t: TestApi;
before(async () => {
  t = await startTestApi({ token: TOKEN });
});
after(async () => {
  await t?.stop();
});

/** A request without the test helper's bearer token (or with the one given). */
async function raw(method: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(t.url + path, { method, headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body, type: res.headers.get('content-type') };
}

/** t.req with the JSON body read as T (what the test expects back; a wrong shape fails its asserts). */
async function req<T = Status>(...args: Parameters<TestApi['req']>) {
  const r = await t.req(...args);
  return { ...r, body: r.body as T };
}

/** What the server answers to a WebSocket upgrade it refuses: status and body. */
function refusedUpgrade(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(t.url.replace('http', 'ws') + path, { headers });
    ws.on('open', () => {
      ws.close();
      reject(new Error('upgraded'));
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', () => undefined);
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };

describe('authentication', () => {
  test('health and version are public; everything else is a 401 Status without the token', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const r = await raw('GET', p);
      assert.equal(r.status, 200, p);
      assert.equal(r.text, 'ok');
      assert.equal(r.type, 'text/plain; charset=utf-8');
    }
    assert.equal(((await raw('GET', '/version')).body as { major: string }).major, '1');
    for (const p of ['/api', '/apis', '/metrics', '/openapi/v3', '/api/v1/namespaces', '/apis/coordination.k8s.io/v1/leases', '/nowhere']) {
      const r = await raw('GET', p);
      assert.equal(r.status, 401, p);
      assert.deepEqual(r.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    assert.equal((await raw('GET', '/api/v1/namespaces', { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await raw('GET', '/api/v1/namespaces', auth)).status, 200);
  });

  test('an upgrade without the token is refused with the 401 Status', async () => {
    const r = await refusedUpgrade('/api/v1/namespaces/default/configmaps?watch=true');
    assert.equal(r.status, 401);
    assert.equal((JSON.parse(r.body) as Status).reason, 'Unauthorized');
  });
});

describe('non-resource paths', () => {
  test('discovery answers with and without one trailing slash; HEAD has no body', async () => {
    assert.deepEqual((await req<{ versions: string[] }>('GET', '/api/')).body.versions, ['v1']);
    assert.equal((await req<{ kind: string }>('GET', '/apis/coordination.k8s.io')).body.kind, 'APIGroup');
    assert.equal((await req<{ name: string }>('GET', '/apis/coordination.k8s.io/')).body.name, 'coordination.k8s.io');
    const l = await req<{ kind: string; resources: { name: string }[] }>('GET', '/apis/coordination.k8s.io/v1/');
    assert.equal(l.body.kind, 'APIResourceList');
    assert.ok(l.body.resources.some((r) => r.name === 'leases'));
    const head = await raw('HEAD', '/version', auth);
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assert.equal(head.type, 'application/json; charset=utf-8');
  });

  test('openapi documents, and a 404 Status for a group-version it does not describe', async () => {
    const root = await req<{ paths: Record<string, { serverRelativeURL: string }> }>('GET', '/openapi/v3');
    const url = root.body.paths['api/v1'].serverRelativeURL;
    assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    const doc = await req<{ paths: Record<string, unknown> }>('GET', url);
    assert.equal(doc.status, 200);
    assert.ok(doc.body.paths['/api/v1/namespaces/{namespace}/pods']);
    const pb = await raw('GET', '/openapi/v2', { ...auth, accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    assert.equal(pb.type, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    const missing = await req('GET', '/openapi/v3/apis/nope/v1');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.reason, 'NotFound');
  });

  test('unknown paths, unknown groups and other methods are 404 Statuses; an undecodable path is a 400', async () => {
    for (const [method, path] of [['GET', '/nowhere'], ['POST', '/version'], ['GET', '/apis/nope.example.com'], ['GET', '/apis/coordination.k8s.io/v9'], ['DELETE', '/healthz'], ['PATCH', '/api/v1/namespaces/default/pods/p/nosuchsubresource']]) {
      const r = await req(method, path);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.kind, 'Status');
      assert.equal(r.body.message, `the server could not find the requested resource (${path})`);
      // Present and empty, as upstream: kubectl debug reads details.name of this 404 and panics without it.
      assert.deepEqual(r.body.details, {});
    }
    const bad = await req('GET', '/api/v1/namespaces/%zz/pods');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, 'malformed path /api/v1/namespaces/%zz/pods');
  });

  test('an upgrade to a path that is not a watchable collection gets a 404 Status', async () => {
    for (const path of ['/healthz', '/api/v1/namespaces/default/configmaps/one']) {
      const r = await refusedUpgrade(path, auth);
      assert.equal(r.status, 404, path);
      assert.equal((JSON.parse(r.body) as Status).message, `the server could not find the requested resource (${path})`);
    }
  });
});
