// Services on the real kernel: an isolated `hyperkube up --disable=proxy` cluster with
// `hyperkube proxy` as its own process (so it can be killed -9 and restarted). Proves
// ClusterIP from the host and from a pod, NodePort on 127.0.0.1 and the node's
// InternalIP, hairpin, rule latency on scaling, at-once refusal without ready
// endpoints, adoption of the rules by a restarted proxy without a dropped request,
// and removal of every rule with the Service.
// In pods, `timeout 5 wget` rather than `wget -T 5`: the host's busybox-static 1.35 (the
// offline image) segfaults on -T.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import type { Endpoints, Pod, PodList } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { startProxyProcess, type ProxyProcess } from '../testing/proxy-process.js';
import { eventually, sleep } from '../testing/wait.js';

const run = promisify(execFile);

let cl: IsolatedCluster;
let proxy: ProxyProcess;
let client: RestClient;

interface Reply {
  status: number;
  body: string;
  ms: number;
}

/** One GET on a new connection; rejects with the socket error (e.g. ECONNREFUSED). */
function get(url: string, timeoutMs = 3000): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim(), ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => reject(Object.assign(e, { ms: performance.now() - t0 })));
  });
}

const kubectl = async (args: string[], input?: string) => {
  const r = await cl.up.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** Our proxy's rules (chain prefix) in one table, as iptables-save prints them. */
async function ourRules(table: 'nat' | 'filter'): Promise<string[]> {
  const { stdout } = await run('iptables-save', ['-t', table]);
  const p = `${cl.flags.proxyChains}-`;
  return stdout.split('\n').filter((l) => l.includes(p));
}

/** Rules and chain declarations without packet counters, to compare two saves. */
const withoutCounters = (lines: string[]) => lines.map((l) => l.replace(/ \[\d+:\d+\]$/, ''));

function httpd(name: string, labels: Record<string, string>, extra: object = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      containers: [{ name: 'httpd', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['httpd', '-f', '-p', '80', '-h', '/etc'], ports: [{ containerPort: 80 }], ...extra }],
    },
  };
}

const WEB_RC = {
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'web' },
  spec: {
    replicas: 3,
    selector: { app: 'web' },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'httpd', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['httpd', '-f', '-p', '80', '-h', '/etc'], ports: [{ containerPort: 80 }] }] },
    },
  },
};

const service = (name: string, selector: Record<string, string>, type = 'ClusterIP') => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { type, selector, ports: [{ port: 80, targetPort: 80 }] },
});

async function runningPods(selector: string, n: number): Promise<Pod[]> {
  return eventually(`${n} pods ${selector} Running`, async () => {
    const pods = (JSON.parse(await kubectl(['get', 'pods', '-l', selector, '-o', 'json'])) as PodList).items;
    const up = pods.filter((p) => p.status?.phase === 'Running' && p.status.podIP && !p.metadata.deletionTimestamp);
    return up.length === n ? up : undefined;
  }, 90_000);
}

async function readyAddresses(name: string, n: number): Promise<string[]> {
  return eventually(`${n} ready endpoints of ${name}`, async () => {
    const ep: Endpoints = await client.endpoints('default').get(name);
    const ips = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
    return ips.length === n ? ips.sort() : undefined;
  }, 60_000, 100);
}

const clusterIP = async (name: string): Promise<string> => (await client.services('default').get(name)).spec!.clusterIP!;

before(async () => {
  cl = await startIsolated('svc', ['--disable=proxy']);
  client = RestClient.fromKubeconfig({ path: cl.up.kubeconfig });
  proxy = await startProxyProcess(cl);
  await eventually('proxy first sync', async () => ((await proxy.health()).lastSyncAt ? true : undefined), 30_000);
  // One multi-document YAML stream.
  const objects = [
    WEB_RC,
    service('web', { app: 'web' }, 'NodePort'),
    httpd('solo', { app: 'solo' }),
    service('solo', { app: 'solo' }),
    // Never ready: its readiness probe always fails, so its Service has no ready endpoint.
    httpd('unready', { app: 'unready' }, { readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } }),
    service('unready', { app: 'unready' }),
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' }, spec: { containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] } },
  ];
  await kubectl(['apply', '-f', '-'], objects.map((o) => yaml.dump(o)).join('---\n'));
  await runningPods('app=web', 3);
  await runningPods('app=solo', 1);
  await runningPods('app=unready', 1);
  await eventually('client pod Running', async () => ((JSON.parse(await kubectl(['get', 'pod', 'client', '-o', 'json'])) as Pod).status?.phase === 'Running' ? true : undefined), 60_000);
});

after(async () => {
  await proxy?.kill('SIGTERM');
  client?.close();
  if (proxy) console.log(proxy.output().split('\n').slice(-20).join('\n'));
  await cl?.teardown();
});

test('ClusterIP from the host and from a pod reaches every endpoint', async () => {
  const pods = (await runningPods('app=web', 3)).map((p) => p.metadata.name ?? '').sort();
  await readyAddresses('web', 3);
  const ip = await clusterIP('web');
  const fromHost = new Set<string>();
  await eventually('rules for web', async () => ((await get(`http://${ip}:80/hostname`)).status === 200 ? true : undefined), 10_000, 100);
  for (let i = 0; i < 60; i++) {
    const r = await get(`http://${ip}:80/hostname`);
    assert.equal(r.status, 200);
    fromHost.add(r.body);
  }
  assert.deepEqual([...fromHost].sort(), pods, 'all 3 pods answer the host over 60 requests');

  const out = await kubectl(['exec', 'client', '--', 'sh', '-c', `for i in $(seq 30); do timeout 5 wget -qO- http://${ip}:80/hostname || echo FAILED; done`]);
  const lines = out.trim().split('\n').map((l) => l.trim());
  assert.equal(lines.length, 30, out);
  assert.ok(!lines.includes('FAILED'), out);
  assert.deepEqual([...new Set(lines)].sort(), pods, 'all 3 pods answer a pod over 30 requests');
});

test('NodePort answers on 127.0.0.1 and on the node InternalIP', async () => {
  const pods = (await runningPods('app=web', 3)).map((p) => p.metadata.name ?? '');
  const svc = await client.services('default').get('web');
  const nodePort = svc.spec!.ports![0].nodePort!;
  assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
  const node = await client.nodes().get(cl.flags.node);
  const internal = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  assert.ok(internal, 'node has an InternalIP');
  // Only ever contact this machine: the InternalIP must be one of its own addresses.
  const local = (await run('ip', ['-4', '-o', 'addr', 'show'])).stdout;
  assert.match(local, new RegExp(` inet ${internal.replace(/\./g, '\\.')}/`), `${internal} is a local address`);
  for (const host of ['127.0.0.1', internal]) {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await get(`http://${host}:${nodePort}/hostname`);
      assert.equal(r.status, 200, host);
      seen.add(r.body);
    }
    assert.ok([...seen].every((h) => pods.includes(h)), `${host}: ${[...seen].join(',')}`);
    assert.ok(seen.size >= 2, `${host}: more than one pod answers over 30 requests: ${[...seen].join(',')}`);
  }
});

test('hairpin: a pod reaches itself through its own Service', async () => {
  await readyAddresses('solo', 1);
  const ip = await clusterIP('solo');
  const out = await eventually('solo answers itself', async () => {
    const r = await cl.up.kubectl(['exec', 'solo', '--', 'timeout', '5', 'wget', '-qO-', `http://${ip}:80/hostname`]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  }, 10_000);
  assert.equal(out, 'solo');
});

test('a Service without ready endpoints refuses at once', async () => {
  await eventually('unready has a not-ready address only', async () => {
    const ep: Endpoints = await client.endpoints('default').get('unready');
    const s = ep.subsets ?? [];
    return s.some((x) => x.notReadyAddresses?.length) && !s.some((x) => x.addresses?.length) ? true : undefined;
  }, 30_000, 100);
  const ip = await clusterIP('unready');
  await eventually('reject rule for unready', async () => ((await ourRules('filter')).some((l) => l.includes('default/unready has no endpoints')) ? true : undefined), 5_000, 50);
  for (let i = 0; i < 5; i++) {
    const err = await get(`http://${ip}:80/`).then(
      (r) => assert.fail(`answered ${r.status}`),
      (e: NodeJS.ErrnoException & { ms: number }) => e,
    );
    assert.equal(err.code, 'ECONNREFUSED', err.message);
    assert.ok(err.ms < 100, `refused in ${err.ms.toFixed(1)} ms`);
  }
  // From a pod too (forwarded, not local, traffic): wget fails with "refused", not "no route
  // to host" after ARP gives up on the VIP, and well before `timeout` kills it.
  const t0 = performance.now();
  const r = await cl.up.kubectl(['exec', 'client', '--', 'timeout', '5', 'wget', '-qO-', `http://${ip}:80/`]);
  const ms = performance.now() - t0;
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /refused/i);
  assert.ok(ms < 2000, `kubectl exec with a refused wget took ${ms.toFixed(0)} ms`);
});

/** Scale `web` to `n` and time from the Endpoints change (seen on a watch) to its rules in iptables. */
async function scaleAndTime(n: number): Promise<{ ip: string; added: boolean; ms: number }> {
  const before = await client.endpoints('default').get('web');
  const had = new Set((before.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)));
  const w = await client.endpoints('default').watch({ resourceVersion: before.metadata.resourceVersion, fieldSelector: 'metadata.name=web' });
  try {
    await kubectl(['scale', 'rc', 'web', `--replicas=${n}`]);
    let change: { ip: string; added: boolean; at: number } | undefined;
    const deadline = setTimeout(() => w.stop(), 90_000);
    for await (const ev of w) {
      if (ev.type !== 'MODIFIED' && ev.type !== 'ADDED') continue;
      const now = new Set(((ev.object).subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)));
      const added = [...now].find((ip) => !had.has(ip));
      const removed = [...had].find((ip) => !now.has(ip));
      if (added || removed) {
        change = { ip: (added ?? removed)!, added: !!added, at: performance.now() };
        break;
      }
    }
    clearTimeout(deadline);
    assert.ok(change, 'endpoints changed');
    const dnat = `--to-destination ${change.ip}:80`;
    for (;;) {
      const has = (await ourRules('nat')).some((l) => l.startsWith(`-A ${cl.flags.proxyChains}-SEP-`) && l.includes(dnat));
      if (has === change.added) break;
      assert.ok(performance.now() - change.at < 5000, `rules for ${change.ip} not ${change.added ? 'added' : 'removed'} in 5 s`);
      await sleep(5);
    }
    return { ip: change.ip, added: change.added, ms: performance.now() - change.at };
  } finally {
    w.stop();
  }
}

test('scaling the RC changes the rules within 1 s of the Endpoints change', async (t) => {
  const up = await scaleAndTime(4);
  t.diagnostic(`scale 3→4: SEP rule for ${up.ip} present ${up.ms.toFixed(0)} ms after the Endpoints change`);
  assert.ok(up.added);
  assert.ok(up.ms < 1000, `${up.ms} ms`);
  await readyAddresses('web', 4);
  const down = await scaleAndTime(3);
  t.diagnostic(`scale 4→3: SEP rule for ${down.ip} gone ${down.ms.toFixed(0)} ms after the Endpoints change`);
  assert.ok(!down.added);
  assert.ok(down.ms < 1000, `${down.ms} ms`);
  await readyAddresses('web', 3);
});

test('kill -9 of the proxy: traffic flows on; the restarted proxy adopts the rules without a gap', async (t) => {
  const ip = await clusterIP('web');
  const nodePort = (await client.services('default').get('web')).spec!.ports![0].nodePort!;
  const rulesBefore = withoutCounters([...(await ourRules('filter')), ...(await ourRules('nat'))]);

  // A request every 20 ms (alternating ClusterIP and NodePort), each on a new connection, for the whole restart.
  const results: Promise<string>[] = [];
  let sending = true;
  const sender = (async () => {
    for (let i = 0; sending; i++) {
      const url = i % 2 ? `http://127.0.0.1:${nodePort}/hostname` : `http://${ip}:80/hostname`;
      // A dropped SYN would show as a retransmit 1 s later, so a slow answer counts as a failure too.
      results.push(get(url, 3000).then((r) => (r.status !== 200 ? `${url}: status ${r.status}` : r.ms > 900 ? `${url}: ${r.ms.toFixed(0)} ms` : 'ok'), (e: Error) => `${url}: ${e.message}`));
      await sleep(20);
    }
  })();

  await sleep(300);
  const oldPid = proxy.pid;
  await proxy.kill('SIGKILL');
  assert.equal(proxy.child.signalCode, 'SIGKILL');
  await sleep(500); // no proxy at all: the kernel's rules carry the traffic
  const restartAt = Date.now();
  proxy = await startProxyProcess(cl);
  assert.notEqual(proxy.pid, oldPid);
  const synced = await eventually('restarted proxy synced', async () => {
    const h = await proxy.health();
    return h.lastSyncAt && h.lastSyncAt >= restartAt ? h : undefined;
  }, 30_000, 20);
  assert.ok(synced.healthy, JSON.stringify(synced));
  await sleep(700); // and some more traffic after the new proxy's first (full) restore
  sending = false;
  await sender;
  const outcomes = await Promise.all(results);
  const failed = outcomes.filter((o) => o !== 'ok');
  t.diagnostic(`${outcomes.length} requests during kill -9 and restart; first sync ${synced.lastSyncAt! - restartAt} ms after the spawn`);
  assert.ok(outcomes.length >= 50, `${outcomes.length} requests`);
  assert.deepEqual(failed, [], `every request succeeds across the restart`);

  // Adopted: the restarted proxy wrote back the very same ruleset.
  const rulesAfter = withoutCounters([...(await ourRules('filter')), ...(await ourRules('nat'))]);
  assert.deepEqual(rulesAfter, rulesBefore);
  // The jumps from the built-in chains are not doubled.
  const nat = (await run('iptables-save', ['-t', 'nat'])).stdout;
  assert.equal(nat.split('\n').filter((l) => /^-A OUTPUT .*-j \S+-SERVICES/.test(l) && l.includes(`${cl.flags.proxyChains}-SERVICES`)).length, 1);
});

test('deleting a Service removes every rule of it', async () => {
  const ip = await clusterIP('web');
  const mentions = (lines: string[]) => lines.filter((l) => l.includes('default/web'));
  const nat = await ourRules('nat');
  const chains = [...new Set(mentions(nat).map((l) => l.split(' ')[1]).filter((c) => /-(SVC|SEP)-/.test(c)))];
  assert.equal(chains.filter((c) => c.includes('-SVC-')).length, 1, `one SVC chain: ${chains.join(',')}`);
  assert.equal(chains.filter((c) => c.includes('-SEP-')).length, 3, `three SEP chains: ${chains.join(',')}`);
  // The restarted proxy (previous test) must follow changes, not just hold old rules.
  await kubectl(['delete', 'service', 'web']);
  const t0 = performance.now();
  await eventually('no rule of web left', async () => {
    const all = [...(await ourRules('nat')), ...(await ourRules('filter'))];
    return mentions(all).length === 0 && !chains.some((c) => all.some((l) => l.includes(c))) ? true : undefined;
  }, 5_000, 20);
  assert.ok(performance.now() - t0 < 2000, 'rules gone within 2 s of the delete');
  const { stdout } = await run('iptables-save');
  for (const c of chains) assert.ok(!stdout.includes(c), `${c} left in iptables-save`);
  // Its old ClusterIP is now just an unused VIP of the Service CIDR: refused at once.
  const err = await get(`http://${ip}:80/`).then(
    () => assert.fail('the deleted ClusterIP still answers'),
    (e: NodeJS.ErrnoException & { ms: number }) => e,
  );
  assert.equal(err.code, 'ECONNREFUSED');
  assert.ok(err.ms < 100, `${err.ms} ms`);
  // The other Services keep their rules.
  assert.ok((await ourRules('nat')).some((l) => l.includes('default/solo')));
});
