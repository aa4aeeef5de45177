// bench api: the apiserver's create/get/list/update/watch against the same operations
// straight on etcd with the etcd3 client, in one run. The apiserver runs as its own
// process (`hyperkube apiserver`) so the load generator does not share its event loop,
// and the load comes from a lean HTTP client (http-load.ts) so that on this 2-core
// machine the client takes as little CPU from the apiserver as it can; one figure is
// also measured with node's http.Agent client, for comparison.

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd, freePort } from '../testing/etcd.js';
import { absolute, closedLoop, report, summarize, vsAnchor, type Figure } from './common.js';
import { buildRequest, connections, type HttpConnection } from './http-load.js';
import { SERVER_NODE_FLAGS } from '../cmd/node-flags.js';
import { newEtcdClient } from '../apiserver/storage/etcd-client.js';
import type { Pod, PodList } from '../api/core.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

function call(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function ok(port: number, method: string, path: string, body?: unknown, expect = [200, 201]) {
  const r = await call(port, method, path, body);
  if (!expect.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
  return r;
}

/** One request on a lean connection; throws unless the status is expected. */
async function lean(conn: HttpConnection, method: string, path: string, body?: unknown, expect = [200, 201]): Promise<Buffer> {
  const r = await conn.request(buildRequest('127.0.0.1', method, path, body === undefined ? undefined : JSON.stringify(body)));
  if (!expect.includes(r.status)) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
  return r.body;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const podBody = (name: string, extra: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'api' }, annotations: extra },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] },
});

/** Opens a chunked watch and calls onLine for each event line. */
function openWatch(port: number, path: string, onLine: (line: string) => void): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      resolve(req);
    });
    req.on('error', reject);
    req.end();
  });
}

/** `hyperkube apiserver` as its own process, once it answers /readyz. */
async function startApiserver(etcdEndpoint: string, port: number, extra: string[] = []): Promise<ChildProcess> {
  const hyperkube = fileURLToPath(new URL('../cmd/hyperkube.js', import.meta.url));
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, hyperkube, 'apiserver', `--etcd-servers=${etcdEndpoint}`, `--port=${port}`, '--quorum-reads=false', ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i++) {
    const r = await call(port, 'GET', '/readyz').catch(() => undefined);
    if (r?.status === 200) return child;
    if (i > 300 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('apiserver did not become ready');
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

export async function main(args: string[] = []): Promise<void> {
  const scale = args.includes('--quick') ? 0.25 : 1;
  const N = Math.round(4000 * scale);
  const etcd = await startEtcd();
  // The anchor uses the apiserver's own etcd3 client settings (no retries, no circuit breaker).
  const raw = newEtcdClient({ endpoints: etcd.endpoint });
  const port = await freePort();
  const children: ChildProcess[] = [];
  const figures: Figure[] = [];
  try {
    children.push(await startApiserver(etcd.endpoint, port));
    await ok(port, 'POST', '/api/v1/namespaces', { metadata: { name: 'bench' } });
    await ok(port, 'POST', '/api/v1/namespaces', { metadata: { name: 'watchb' } });
    await ok(port, 'POST', '/api/v1/namespaces', { metadata: { name: 'warm' } });

    // --- creates: throughput at 16, 32 and 64 in flight (the range the target names), both paths, same request body
    const conns = connections(64, port);
    const sample = Buffer.from(JSON.stringify(podBody('x')));
    // Warm-up, not measured: both paths' code is JIT-compiled before the first figure.
    for (const inflight of [16, 64]) {
      await closedLoop(Math.round(2000 * scale), inflight, async (i) => {
        const key = `/raw/pods/bench/warm${inflight}-${i}`;
        await raw.if(key, 'Create', '==', 0).then(raw.put(key).value(sample)).commit();
      });
      await closedLoop(Math.round(2000 * scale), inflight, async (i, w) => {
        await lean(conns[w], 'POST', '/api/v1/namespaces/warm/pods', podBody(`warm${inflight}-${i}`));
      });
    }
    // Three alternating passes (anchor, apiserver, anchor, ...) per level, figures the median
    // pass of each: a burst of other work on the machine then spoils one pass, not the figure.
    const PASSES = 3;
    const perPass = Math.round(N / 2);
    for (const inflight of [16, 32, 64]) {
      const rawRates: number[] = [];
      const apiRates: number[] = [];
      for (let pass = 0; pass < PASSES; pass++) {
        // Level 32 names its objects p-<n>: the gets and updates below read them.
        const name = (i: number) => (inflight === 32 ? `p-${pass * perPass + i}` : `p${inflight}-${pass * perPass + i}`);
        const rawCreate = await closedLoop(perPass, inflight, async (i) => {
          const key = `/raw/pods/bench/${name(i)}`;
          const res = await raw.if(key, 'Create', '==', 0).then(raw.put(key).value(sample)).commit();
          if (!res.succeeded) throw new Error('raw create lost');
        });
        const apiCreate = await closedLoop(perPass, inflight, async (i, w) => {
          await lean(conns[w], 'POST', '/api/v1/namespaces/bench/pods', podBody(name(i)));
        });
        rawRates.push(rawCreate.perSec);
        apiRates.push(apiCreate.perSec);
      }
      figures.push(vsAnchor({ name: `create_throughput_${inflight}_inflight`, unit: 'ops/s', value: median(apiRates), anchor: 'etcd3 txn direct', anchor_value: median(rawRates), target: '>= 0.6x anchor' }, (_v, _a, r) => r >= 0.6));
    }
    // The same at 64 in flight with node's http.Agent as the client (~90 µs of CPU per request on this machine).
    {
      const rawCreate = await closedLoop(N, 64, async (i) => {
        const key = `/raw/pods/bench/a-${i}`;
        const res = await raw.if(key, 'Create', '==', 0).then(raw.put(key).value(sample)).commit();
        if (!res.succeeded) throw new Error('raw create lost');
      });
      const apiCreate = await closedLoop(N, 64, async (i) => {
        await ok(port, 'POST', '/api/v1/namespaces/bench/pods', podBody(`a-${i}`));
      });
      figures.push(vsAnchor({ name: 'create_throughput_64_inflight_http_agent_client', unit: 'ops/s', value: apiCreate.perSec, anchor: 'etcd3 txn direct', anchor_value: rawCreate.perSec, target: 'report' }, () => true));
    }

    // What the etcd client thread brings: the same creates through an apiserver that runs its etcd
    // client in its main thread, alternating with this one, on the same etcd.
    {
      const port1 = await freePort();
      const single = await startApiserver(etcd.endpoint, port1, ['--etcd-client-thread=false']);
      children.push(single);
      const conns1 = connections(64, port1);
      const one: number[] = [];
      const two: number[] = [];
      const create = (cs: HttpConnection[], prefix: string) => closedLoop(perPass, 64, async (i, w) => {
        await lean(cs[w], 'POST', '/api/v1/namespaces/bench/pods', podBody(`${prefix}-${i}`));
      });
      await create(conns1, 'warm1'); // JIT warm-up of that process
      for (let pass = 0; pass < PASSES; pass++) {
        one.push((await create(conns1, `one${pass}`)).perSec);
        two.push((await create(conns, `two${pass}`)).perSec);
      }
      for (const c of conns1) c.close();
      // Gone before the next figures: its watch cache would take CPU from every later write.
      const exited = new Promise((res) => single.once('exit', res));
      single.kill('SIGTERM');
      await exited;
      figures.push(vsAnchor({ name: 'create_throughput_64_inflight_etcd_client_in_main_thread', unit: 'ops/s', value: median(one), anchor: 'apiserver with its etcd client thread', anchor_value: median(two), target: 'report' }, () => true));
    }

    // RBAC on beside off: creates and gets by a non-admin user bound by a RoleBinding (so the RBAC
    // authorizer really runs, from its in-memory index and decision cache). The two sides are two
    // fresh apiservers started together on the same etcd with the same flags and token files but
    // --authorization-mode (RBAC vs AlwaysAllow), the same user token on both, warmed the same way,
    // and measured in alternating passes whose order flips each pass. Comparing against the main
    // apiserver instead measured JIT warm-up (it has served thousands more requests), not RBAC.
    {
      const dir = mkdtempSync(join(tmpdir(), 'bench-rbac-'));
      try {
        writeFileSync(join(dir, 'admin'), 'bench-admin-token\n');
        writeFileSync(join(dir, 'tokens.csv'), 'bench-user-token,bench-user,bench-uid\n');
        const authFlags = [`--token-file=${join(dir, 'admin')}`, `--token-auth-file=${join(dir, 'tokens.csv')}`];
        const [portOn, portOff] = [await freePort(), await freePort()];
        const pair = await Promise.all([startApiserver(etcd.endpoint, portOn, ['--authorization-mode=RBAC', ...authFlags]), startApiserver(etcd.endpoint, portOff, ['--authorization-mode=AlwaysAllow', ...authFlags])]);
        children.push(...pair);
        const asAdmin = async (path: string, body: unknown) => {
          const c = connections(1, portOn)[0];
          const r = await c.request(buildRequest('127.0.0.1', 'POST', path, JSON.stringify(body), { Authorization: 'Bearer bench-admin-token' }));
          c.close();
          if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
        };
        await asAdmin('/apis/rbac.authorization.k8s.io/v1/namespaces/bench/roles', { metadata: { name: 'bench-pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get'] }] });
        await asAdmin('/apis/rbac.authorization.k8s.io/v1/namespaces/bench/rolebindings', { metadata: { name: 'bench-user' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bench-pods' }, subjects: [{ kind: 'User', name: 'bench-user' }] });
        const user = { Authorization: 'Bearer bench-user-token' };
        const userReq = async (c: HttpConnection, method: string, path: string, body?: unknown) => {
          const r = await c.request(buildRequest('127.0.0.1', method, path, body === undefined ? undefined : JSON.stringify(body), user));
          if (r.status !== 200 && r.status !== 201) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
        };
        // Fresh connections per loop: the other side's loop can outlast the server's keep-alive timeout.
        const loop = async (side: 'on' | 'off', total: number, inflight: number, fn: (c: HttpConnection, i: number) => Promise<void>) => {
          const cs = connections(inflight, side === 'on' ? portOn : portOff);
          try {
            return await closedLoop(total, inflight, (i, w) => fn(cs[w], i));
          } finally {
            for (const c of cs) c.close();
          }
        };
        // Until the binding is in the index (a watch event away) the user is refused: wait for it.
        for (let i = 0; ; i++) {
          try {
            await loop('on', 1, 1, (c) => userReq(c, 'POST', '/api/v1/namespaces/bench/pods', podBody('rbac-probe')));
            break;
          } catch (err) {
            if (i > 100) throw err;
            await new Promise((res) => setTimeout(res, 50));
          }
        }
        const slice = Math.round(perPass / 2);
        const creates = (side: 'on' | 'off', prefix: string) => loop(side, slice, 64, (c, i) => userReq(c, 'POST', '/api/v1/namespaces/bench/pods', podBody(`${prefix}-${i}`)));
        const gets = (side: 'on' | 'off', prefix: string) => loop(side, slice * 2, 32, (c, i) => userReq(c, 'GET', `/api/v1/namespaces/bench/pods/${prefix}-${i % slice}`));
        // Warm-up, not measured: four rounds of each side's creates and gets, JIT-compiling both the same.
        for (let round = 0; round < 4; round++) {
          for (const side of ['on', 'off'] as const) {
            await creates(side, `rbac-warm-${side}${round}`);
            await gets(side, `rbac-warm-${side}${round}`);
          }
        }
        const rates = { on: { create: [] as number[], get: [] as number[] }, off: { create: [] as number[], get: [] as number[] } };
        // Nine short passes (not three long ones), alternating: a burst of other work on this shared
        // machine then spoils a slice of one side, not its median.
        for (let pass = 0; pass < 9; pass++) {
          const order = pass % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
          for (const side of order) rates[side].create.push((await creates(side, `rbac-${side}${pass}`)).perSec);
          for (const side of order) rates[side].get.push((await gets(side, `rbac-${side}${pass}`)).perSec);
        }
        // Gone before the next figures, as the etcd-client-thread one above.
        await Promise.all(pair.map((child) => {
          const exited = new Promise((res) => child.once('exit', res));
          child.kill('SIGTERM');
          return exited;
        }));
        figures.push(vsAnchor({ name: 'create_throughput_64_inflight_rbac_user', unit: 'ops/s', value: median(rates.on.create), anchor: 'same creates, AlwaysAllow apiserver', anchor_value: median(rates.off.create), target: '>= 0.9x anchor' }, (_v, _a, r) => r >= 0.9));
        figures.push(vsAnchor({ name: 'get_throughput_32_inflight_rbac_user', unit: 'ops/s', value: median(rates.on.get), anchor: 'same gets, AlwaysAllow apiserver', anchor_value: median(rates.off.get), target: '>= 0.9x anchor' }, (_v, _a, r) => r >= 0.9));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    // --- create latency at 10 concurrent clients
    const rawLat = await closedLoop(Math.round(1000 * scale), 10, async (i) => {
      const key = `/raw/pods/bench/l-${i}`;
      await raw.if(key, 'Create', '==', 0).then(raw.put(key).value(sample)).commit();
    });
    const apiLat = await closedLoop(Math.round(1000 * scale), 10, async (i, w) => {
      await lean(conns[w], 'POST', '/api/v1/namespaces/bench/pods', podBody(`l-${i}`));
    });
    const a = summarize(apiLat.lat);
    const r = summarize(rawLat.lat);
    figures.push(absolute({ name: 'create_p50_10_clients', unit: 'ms', value: a.p50, target: 'report' }, () => true, { anchor: 'etcd3 txn direct', anchor_value: r.p50 }));
    figures.push(absolute({ name: 'create_p99_10_clients', unit: 'ms', value: a.p99, target: '<= 25 ms' }, (v) => v <= 25, { anchor: 'etcd3 txn direct', anchor_value: r.p99 }));

    // --- gets: from the watch cache vs a serializable etcd get
    const G = Math.round(10000 * scale);
    const rawGet = await closedLoop(G, 32, async (i) => {
      await raw.get(`/raw/pods/bench/p-${i % N}`).serializable(true).buffer();
    });
    const apiGet = await closedLoop(G, 32, async (i, w) => {
      await lean(conns[w], 'GET', `/api/v1/namespaces/bench/pods/p-${i % N}`);
    });
    figures.push(absolute({ name: 'get_throughput', unit: 'ops/s', value: apiGet.perSec, target: '>= 3000/s' }, (v) => v >= 3000, { anchor: 'etcd3 get direct', anchor_value: rawGet.perSec }));
    const getLat = summarize(apiGet.lat);
    figures.push(absolute({ name: 'get_p99_32_inflight', unit: 'ms', value: getLat.p99, target: 'report' }, () => true, { anchor: 'etcd3 get direct', anchor_value: summarize(rawGet.lat).p99 }));

    // --- list 1000 pods: a namespace holding exactly 1000
    await ok(port, 'POST', '/api/v1/namespaces', { metadata: { name: 'list1k' } });
    await closedLoop(1000, 32, async (i, w) => {
      await lean(conns[w], 'POST', '/api/v1/namespaces/list1k/pods', podBody(`k-${i}`));
    });
    await closedLoop(1000, 32, async (i) => {
      await raw.put(`/raw/list1k/k-${i}`).value(sample);
    });
    const L = Math.round(200 * scale);
    const rawList = await closedLoop(L, 4, async () => {
      const res = await raw.getAll().prefix('/raw/list1k/').serializable(true).buffers();
      if (Object.keys(res).length !== 1000) throw new Error('raw list size');
    });
    const apiList = await closedLoop(L, 4, async (_i, w) => {
      const res = await lean(conns[w], 'GET', '/api/v1/namespaces/list1k/pods');
      if ((JSON.parse(res.toString()) as PodList).items.length !== 1000) throw new Error('list size');
    });
    figures.push(absolute({ name: 'list_1000_pods', unit: 'lists/s', value: apiList.perSec, target: 'report (served from cache)' }, () => true, { anchor: 'etcd3 range direct', anchor_value: rawList.perSec }));

    // --- updates (PUT with resourceVersion), 16 in flight over distinct objects
    const U = Math.round(2000 * scale);
    const current = new Map<number, Pod>();
    const apiUpd = await closedLoop(U, 16, async (i, w) => {
      const idx = i % N;
      let obj = current.get(idx);
      if (!obj) obj = JSON.parse((await lean(conns[w], 'GET', `/api/v1/namespaces/bench/pods/p-${idx}`)).toString()) as Pod;
      obj.metadata.labels = { ...obj.metadata.labels, n: String(i) };
      const res = await lean(conns[w], 'PUT', `/api/v1/namespaces/bench/pods/p-${idx}`, obj);
      current.set(idx, JSON.parse(res.toString()) as Pod);
    });
    const rawUpd = await closedLoop(U, 16, async (i) => {
      const key = `/raw/pods/bench/p-${i % N}`;
      const cur = await raw.get(key).exec();
      const kv = cur.kvs[0];
      await raw.if(key, 'Mod', '==', kv.mod_revision).then(raw.put(key).value(sample)).commit();
    });
    figures.push(absolute({ name: 'update_throughput_16_inflight', unit: 'ops/s', value: apiUpd.perSec, target: 'report' }, () => true, { anchor: 'etcd3 get+txn direct', anchor_value: rawUpd.perSec }));
    figures.push(absolute({ name: 'update_p99_16_inflight', unit: 'ms', value: summarize(apiUpd.lat).p99, target: 'report' }, () => true, { anchor: 'etcd3 get+txn direct', anchor_value: summarize(rawUpd.lat).p99 }));

    // --- watch delivery: 100 watchers, write → event received
    const WATCHERS = 100;
    const EVENTS = Math.round(200 * scale);
    const apiDelivery: number[] = [];
    const streams: http.ClientRequest[] = [];
    for (let w = 0; w < WATCHERS; w++) {
      streams.push(await openWatch(port, '/api/v1/namespaces/watchb/pods?watch=true&resourceVersion=0', (line) => {
        const ev = JSON.parse(line) as { type: string; object?: Pod };
        const sent = Number(ev.object?.metadata?.annotations?.sent);
        if (ev.type === 'ADDED' && sent) apiDelivery.push(performance.timeOrigin + performance.now() - sent);
      }));
    }
    await new Promise((res) => setTimeout(res, 300));
    for (let i = 0; i < EVENTS; i++) {
      await ok(port, 'POST', '/api/v1/namespaces/watchb/pods', podBody(`w-${i}`, { sent: String(performance.timeOrigin + performance.now()) }));
      await new Promise((res) => setTimeout(res, 5));
    }
    for (let i = 0; i < 100 && apiDelivery.length < WATCHERS * EVENTS; i++) await new Promise((res) => setTimeout(res, 50));
    for (const s of streams) s.destroy();
    // anchor: 100 etcd3 watchers on the same kind of writes
    const rawDelivery: number[] = [];
    const watchers = await Promise.all(Array.from({ length: WATCHERS }, () => raw.watch().prefix('/raw/watchb/').create()));
    for (const w of watchers) {
      w.on('put', (kv) => {
        const sent = Number((JSON.parse(kv.value.toString()) as { sent: number }).sent);
        rawDelivery.push(performance.timeOrigin + performance.now() - sent);
      });
    }
    for (let i = 0; i < EVENTS; i++) {
      await raw.put(`/raw/watchb/w-${i}`).value(JSON.stringify({ sent: performance.timeOrigin + performance.now(), pad: sample.toString() }));
      await new Promise((res) => setTimeout(res, 5));
    }
    for (let i = 0; i < 100 && rawDelivery.length < WATCHERS * EVENTS; i++) await new Promise((res) => setTimeout(res, 50));
    await Promise.all(watchers.map((w) => w.cancel()));
    const wd = summarize(apiDelivery);
    const rd = summarize(rawDelivery);
    figures.push(absolute({ name: 'watch_delivery_p50_100_watchers', unit: 'ms', value: wd.p50, target: 'report' }, () => true, { anchor: 'etcd3 watch direct', anchor_value: rd.p50 }));
    figures.push(absolute({ name: 'watch_delivery_p99_100_watchers', unit: 'ms', value: wd.p99, target: '<= 20 ms' }, (v) => v <= 20 && apiDelivery.length === WATCHERS * EVENTS, { anchor: 'etcd3 watch direct', anchor_value: rd.p99 }));
    figures.push(absolute({ name: 'watch_events_delivered', unit: 'events', value: apiDelivery.length, target: `= ${WATCHERS * EVENTS}` }, (v) => v === WATCHERS * EVENTS));
    for (const c of conns) c.close();
  } finally {
    for (const c of children) c.kill('SIGTERM');
    raw.close();
    await etcd.stop();
    agent.destroy();
  }
  report('api', figures);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
