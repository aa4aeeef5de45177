// Protocol-level tests of the REST client and the watch stream against a small
// HTTP server in the test that answers as the apiserver does on the wire
// (Status bodies, chunked line-delimited watch events). Behaviour against the
// real apiserver is covered by client.integration.test.ts.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RestClient } from './rest.js';
import { ApiError, isGone } from './errors.js';
import type { WatchEvent } from '../api/meta.js';
import type { Pod } from '../api/core.js';

let server: http.Server;
let client: RestClient;
const seen: { method: string; url: string; type?: string; body: string }[] = [];

const pod = (name: string, rv: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns1', resourceVersion: rv } });

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, ...(req.headers['content-type'] ? { type: req.headers['content-type'] } : {}), body });
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/api/v1/namespaces/ns1/pods/missing') {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "missing" not found', reason: 'NotFound', details: { name: 'missing', kind: 'pods' }, code: 404 }));
        return;
      }
      if (url.pathname === '/api/v1/namespaces/ns1/pods' && url.searchParams.get('watch') === 'true') {
        const rv = url.searchParams.get('resourceVersion');
        if (rv === 'too-old') {
          res.writeHead(410, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 }));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        const events = [
          { type: 'ADDED', object: pod('a', '11') },
          { type: 'MODIFIED', object: { ...pod('a', '12'), status: { message: 'héllo wörld' } } },
          { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '15' } } },
        ];
        const text = events.map((e) => JSON.stringify(e) + '\n').join('');
        const buf = Buffer.from(text);
        // Dribble it out in 7-byte chunks so lines and UTF-8 characters are cut.
        let off = 0;
        const tick = (): void => {
          if (off >= buf.length) {
            if (rv === 'gone-later') {
              res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (20)', reason: 'Expired', code: 410 } }) + '\n');
            } else if (rv === 'hang') {
              // keep the stream open until the client aborts
            } else res.end();
            return;
          }
          res.write(buf.subarray(off, off + 7));
          off += 7;
          setTimeout(tick, 1);
        };
        tick();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(req.method === 'GET' ? { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '10' }, items: [pod('a', '10')] } : pod('a', '13')));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new RestClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

after(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('errors become ApiError with the server Status', async () => {
  const err = await client.pods('ns1').get('missing').then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 404);
  assert.equal(err.reason, 'NotFound');
  assert.equal(err.message, 'pods "missing" not found');
  assert.equal(err.status.details?.name, 'missing');
});

test('list query, patch content types and apply parameters go on the wire as Kubernetes expects', async () => {
  seen.length = 0;
  const pods = client.pods('ns1');
  const list = await pods.list({ labelSelector: 'app=web,tier in (a,b)', fieldSelector: 'spec.nodeName=n1', limit: 5 });
  assert.equal(list.items[0].metadata.name, 'a');
  await pods.patch('a', { metadata: { labels: { x: 'y' } } }, 'strategic');
  await pods.patch('a', [{ op: 'add', path: '/metadata/labels/z', value: '1' }], 'json');
  await pods.apply(pod('a', ''), { fieldManager: 'kubecfg', force: true });
  await pods.delete('a', { gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u1' } });
  const [l, sp, jp, ap, del] = seen;
  assert.equal(l.url, '/api/v1/namespaces/ns1/pods?labelSelector=app%3Dweb%2Ctier%20in%20(a%2Cb)&fieldSelector=spec.nodeName%3Dn1&limit=5');
  assert.equal(sp.type, 'application/strategic-merge-patch+json');
  assert.equal(sp.method, 'PATCH');
  assert.equal(jp.type, 'application/json-patch+json');
  assert.deepEqual(JSON.parse(jp.body), [{ op: 'add', path: '/metadata/labels/z', value: '1' }]);
  assert.equal(ap.type, 'application/apply-patch+yaml');
  assert.equal(ap.url, '/api/v1/namespaces/ns1/pods/a?fieldManager=kubecfg&force=true');
  assert.equal(del.method, 'DELETE');
  assert.deepEqual(JSON.parse(del.body), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u1' } });
});

test('watch: events cut at arbitrary chunk boundaries arrive whole, in order', async () => {
  const w = await client.pods('ns1').watch({ resourceVersion: '10' });
  const got: WatchEvent<Pod>[] = [];
  for await (const ev of w) got.push(ev);
  assert.deepEqual(got.map((e) => [e.type, e.object.metadata.resourceVersion]), [['ADDED', '11'], ['MODIFIED', '12'], ['BOOKMARK', '15']]);
  assert.equal((got[1].object).status?.message, 'héllo wörld');
  const url = seen.at(-1)!.url;
  assert.match(url, /watch=true/);
  assert.match(url, /allowWatchBookmarks=true/);
  assert.match(url, /resourceVersion=10/);
});

test('watch: HTTP 410 at open and an ERROR 410 event mid-stream are both isGone', async () => {
  const e1 = await client.pods('ns1').watch({ resourceVersion: 'too-old' }).then(
    () => assert.fail('expected 410'),
    (e: unknown) => e,
  );
  assert.ok(isGone(e1));
  const w = await client.pods('ns1').watch({ resourceVersion: 'gone-later' });
  const types: string[] = [];
  const err = await (async () => {
    for await (const ev of w) types.push(ev.type);
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.deepEqual(types, ['ADDED', 'MODIFIED', 'BOOKMARK']);
  assert.ok(err instanceof ApiError && isGone(err), `expected a 410 ApiError, got ${String(err)}`);
  assert.equal((err).status.message, 'too old resource version: 1 (20)');
  assert.equal(await w.done, err);
});

test('watch: callback mode and stop() abort a stream the server keeps open', async () => {
  const w = await client.pods('ns1').watch({ resourceVersion: 'hang' });
  const got: string[] = [];
  let closed: Error | undefined | 'not yet' = 'not yet';
  w.listen(
    (ev) => got.push(ev.type),
    (err) => (closed = err),
  );
  while (got.length < 3) await new Promise((r) => setTimeout(r, 5));
  assert.equal(closed, 'not yet');
  w.stop();
  assert.equal(await w.done, undefined);
  assert.equal(closed, undefined);
  assert.deepEqual(got, ['ADDED', 'MODIFIED', 'BOOKMARK']);
});

test('a refused connection is a transport error, not an ApiError', async () => {
  const c = new RestClient('http://127.0.0.1:1');
  const err = await c.pods('x').list().then(
    () => assert.fail('expected failure'),
    (e: unknown) => e as Error,
  );
  assert.equal(err.name, 'TransportError');
  assert.match(err.message, /ECONNREFUSED/);
  c.close();
});
