// Watch over chunked HTTP and WebSocket, resume, 410 Gone, bookmarks, selector
// transitions, and behaviour across etcd and apiserver restarts (real etcd).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WebSocket } from 'ws';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import type { ConfigMap, ConfigMapList } from '../api/core.js';
import type { Table } from '../api/table.js';
import { startApiServer } from './server.js';
import { waitFor } from '../testing/wait.js';

interface Ev {
  type: string;
  object: { metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; code?: number; reason?: string };
}

/** t.req with the JSON body read as T (what the test expects back; a wrong shape fails its asserts). */
async function req<T>(...args: Parameters<TestApi['req']>) {
  const r = await t.req(...args);
  return { ...r, body: r.body as T };
}

/** A chunked watch collecting events until closed. */
function watch(url: string, path: string) {
  const events: Ev[] = [];
  let ended = false;
  let req: http.ClientRequest;
  const ready = new Promise<void>((resolve, reject) => {
    req = http.get(url + path, (res) => {
      assert.equal(res.statusCode, 200);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as Ev);
          buf = buf.slice(i + 1);
        }
      });
      res.on('end', () => (ended = true));
      res.on('close', () => (ended = true));
      resolve();
    });
    req.on('error', reject);
  });
  return { events, ready, close: () => req.destroy(), get ended() { return ended; } };
}

const cm = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels } });
const names = (evs: Ev[], type?: string) => evs.filter((e) => !type || e.type === type).map((e) => e.object.metadata.name);

let t: TestApi;
before(async () => {
  t = await startTestApi();
});
after(async () => {
  await t?.stop();
});

describe('watch', () => {
  test('a plain watch sends current state as ADDED, then changes in order', async () => {
    await t.req('POST', '/api/v1/namespaces/default/configmaps', cm('w-a'));
    const w = watch(t.url, '/api/v1/namespaces/default/configmaps?watch=true');
    await w.ready;
    await waitFor(() => names(w.events).includes('w-a'));
    await t.req('POST', '/api/v1/namespaces/default/configmaps', cm('w-b'));
    await t.req('PATCH', '/api/v1/namespaces/default/configmaps/w-b', { data: { x: '1' } }, { 'content-type': 'application/merge-patch+json' });
    await t.req('DELETE', '/api/v1/namespaces/default/configmaps/w-b');
    await waitFor(() => w.events.filter((e) => e.object.metadata.name === 'w-b').length === 3);
    assert.deepEqual(w.events.filter((e) => e.object.metadata.name === 'w-b').map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    const rvs = w.events.filter((e) => e.object.metadata.name === 'w-b').map((e) => Number(e.object.metadata.resourceVersion));
    assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], `revisions increase: ${rvs.join(', ')}`);
    w.close();
  });

  test('resume from a resourceVersion delivers exactly what came after it', async () => {
    const a = await req<ConfigMap>('POST', '/api/v1/namespaces/default/configmaps', cm('r-1'));
    await t.req('POST', '/api/v1/namespaces/default/configmaps', cm('r-2'));
    await t.req('POST', '/api/v1/namespaces/default/configmaps', cm('r-3'));
    const w = watch(t.url, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${a.body.metadata.resourceVersion}`);
    await w.ready;
    await waitFor(() => w.events.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(names(w.events), ['r-2', 'r-3']);
    w.close();
  });

  test('label selectors turn "stopped matching" into DELETED and "started matching" into ADDED', async () => {
    await t.req('POST', '/api/v1/namespaces/default/configmaps', cm('sel-1', { team: 'a' }));
    const list = await req<ConfigMapList>('GET', '/api/v1/namespaces/default/configmaps');
    const w = watch(t.url, `/api/v1/namespaces/default/configmaps?watch=true&labelSelector=team%3Da&resourceVersion=${list.body.metadata.resourceVersion}`);
    await w.ready;
    await t.req('PATCH', '/api/v1/namespaces/default/configmaps/sel-1', { metadata: { labels: { team: 'b' } } }, { 'content-type': 'application/merge-patch+json' });
    await t.req('PATCH', '/api/v1/namespaces/default/configmaps/sel-1', { metadata: { labels: { team: 'a' } } }, { 'content-type': 'application/merge-patch+json' });
    await waitFor(() => w.events.length >= 2);
    assert.deepEqual(w.events.map((e) => e.type), ['DELETED', 'ADDED']);
    w.close();
  });

  test('a resourceVersion older than etcd keeps is 410 Gone', async () => {
    const first = await req<ConfigMap>('POST', '/api/v1/namespaces/default/configmaps', cm('gone-1'));
    for (let i = 0; i < 5; i++) await t.req('POST', '/api/v1/namespaces/default/configmaps', cm(`gone-x${i}`));
    const { EtcdStorage } = await import('./storage/etcd.js');
    const raw = new EtcdStorage({ endpoints: [t.etcd.endpoint] });
    await raw.compact(await raw.currentRevision());
    await raw.close();
    // The cache's event ring may still hold it; ask for something certainly older than both.
    const w = watch(t.url, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${Number(first.body.metadata.resourceVersion) - 3}`);
    await w.ready;
    await waitFor(() => w.ended || w.events.some((e) => e.type === 'ERROR'), 5000).catch(() => undefined);
    const err = w.events.find((e) => e.type === 'ERROR');
    if (err) {
      assert.equal(err.object.code, 410);
    } else {
      // Served from the cache's ring: then it must be complete, not partial.
      assert.ok(names(w.events).includes('gone-x4'));
    }
    w.close();
  });

  test('bookmarks carry the current revision', async () => {
    const list = await req<ConfigMapList>('GET', '/api/v1/namespaces/default/configmaps');
    const w = watch(t.url, `/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    await w.ready;
    await t.req('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'bm-other' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK'), 12000);
    const bm = w.events.find((e) => e.type === 'BOOKMARK')!;
    assert.ok(Number(bm.object.metadata.resourceVersion) >= Number(list.body.metadata.resourceVersion));
    w.close();
  });

  test('watch over WebSocket', async () => {
    const list = await req<ConfigMapList>('GET', '/api/v1/namespaces/default/configmaps');
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    const got: Ev[] = [];
    // ws hands text frames over as Buffers (binaryType 'nodebuffer').
    ws.on('message', (m) => got.push(JSON.parse((m as Buffer).toString()) as Ev));
    await new Promise((r) => ws.once('open', r));
    await t.req('POST', '/api/v1/namespaces/default/configmaps', cm('ws-1'));
    await waitFor(() => got.length >= 1);
    assert.equal(got[0].type, 'ADDED');
    assert.equal(got[0].object.metadata.name, 'ws-1');
    ws.close();
  });

  test('table watches carry rows', async () => {
    const list = await req<ConfigMapList>('GET', '/api/v1/namespaces/default/configmaps');
    const rows: { object: Table }[] = [];
    await new Promise<void>((resolve) => {
      const req = http.get(`${t.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          for (const line of d.split('\n').filter(Boolean)) rows.push(JSON.parse(line) as { object: Table });
        });
        resolve();
        setTimeout(() => req.destroy(), 1500);
      });
    });
    await t.req('POST', '/api/v1/namespaces/default/configmaps', cm('tw-1'));
    await waitFor(() => rows.length >= 1);
    assert.equal(rows[0].object.kind, 'Table');
    assert.equal(rows[0].object.rows[0].cells[0], 'tw-1');
    assert.ok(rows[0].object.columnDefinitions.length > 0);
  });
});

describe('restarts', () => {
  test('etcd down and back (a restart): a write waits for it instead of failing; the watch resumes without loss or repetition', async () => {
    const list = await req<ConfigMapList>('GET', '/api/v1/namespaces/default/configmaps');
    const w = watch(t.url, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    await w.ready;
    await t.req('POST', '/api/v1/namespaces/default/configmaps', cm('out-1'));
    await waitFor(() => names(w.events).includes('out-1'));
    await t.etcd.pause();
    const started = Date.now();
    const held = t.req('POST', '/api/v1/namespaces/default/configmaps', cm('out-2'));
    // Reads are served from the watch cache at this apiserver's last write: with etcd down
    // nobody else can write, so that is the current state.
    const g = await t.req('GET', '/api/v1/namespaces/default/configmaps/out-1');
    assert.equal(g.status, 200, g.text);
    await new Promise((r) => setTimeout(r, 500));
    await t.etcd.restart();
    const r = await held;
    assert.equal(r.status, 201, r.text);
    assert.ok(Date.now() - started >= 500, 'the write waited for etcd');
    await t.req('POST', '/api/v1/namespaces/default/configmaps', cm('out-3'));
    await waitFor(() => names(w.events).includes('out-3'), 15000);
    const seen = names(w.events).filter((n) => n?.startsWith('out-'));
    assert.deepEqual(seen, ['out-1', 'out-2', 'out-3']);
    assert.ok(!w.ended, 'the watch stayed open');
    w.close();
  });

  test('a restarted apiserver serves everything that was stored', async () => {
    const before = await req<ConfigMapList>('GET', '/api/v1/namespaces/default/configmaps');
    const second = await startApiServer({ etcdEndpoints: [t.etcd.endpoint], port: 0 });
    try {
      const res = await fetch(`${second.url}/api/v1/namespaces/default/configmaps`);
      const body = (await res.json()) as { items: { metadata: { name: string; uid: string } }[] };
      assert.deepEqual(
        body.items.map((i) => `${i.metadata.name}/${i.metadata.uid}`).sort(),
        before.body.items.map((i) => `${i.metadata.name}/${i.metadata.uid}`).sort(),
      );
      const svc = await (await fetch(`${second.url}/api/v1/namespaces/default/services/kubernetes`)).json() as { spec: { clusterIP: string } };
      assert.equal(svc.spec.clusterIP, '10.96.0.1');
    } finally {
      await second.stop();
    }
  });
});
