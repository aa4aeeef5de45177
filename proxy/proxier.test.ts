// The Proxier on the real kernel, inside a throwaway netns and under a unique
// chain prefix: first sync, endpoint changes as partial syncs, deletions,
// coalescing and rate limiting, adopting a previous run's rules, health.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Endpoints, Service } from '../api/core.js';
import { ChainNames } from './chains.js';
import { ExecIptables, savedChains, type Iptables, type RestoreOptions } from './iptables.js';
import type { JumpRule, Table } from './jumps.js';
import { createNetns, removeNetns, uniqueName } from '../testing/proxy-netns.js';
import { Proxier } from './proxier.js';

const ns = uniqueName('tkpp');
const prefix = uniqueName('TKP').toUpperCase();
const names = new ChainNames(prefix);
let real: ExecIptables;
const proxiers: Proxier[] = [];

/** The real iptables, counting restores (a decorator, not a fake). */
class Counting implements Iptables {
  restores: { at: number; text: string }[] = [];
  /** When each iptables-save was asked for: a full sync's first step. */
  saves: number[] = [];
  constructor(private readonly inner: Iptables) {}
  async restore(text: string, opts?: RestoreOptions) {
    this.restores.push({ at: performance.now(), text });
    return this.inner.restore(text, opts);
  }
  save(table: Table) {
    this.saves.push(performance.now());
    return this.inner.save(table);
  }
  ensureJump(rule: JumpRule) {
    return this.inner.ensureJump(rule);
  }
  deleteJump(rule: JumpRule) {
    return this.inner.deleteJump(rule);
  }
  deleteChains(p: string) {
    return this.inner.deleteChains(p);
  }
  supportsRandomFully() {
    return this.inner.supportsRandomFully();
  }
}

function svc(name: string, ip: string, extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return { metadata: { namespace: 'test', name }, spec: { clusterIP: ip, ports: [{ name: 'http', protocol: 'TCP', port: 80 }], ...extra } };
}
function eps(name: string, ips: string[]): Endpoints {
  return { metadata: { namespace: 'test', name }, subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] };
}
function make(ipt: Iptables, extra: Partial<ConstructorParameters<typeof Proxier>[0]> = {}): Proxier {
  const p = new Proxier({ iptables: ipt, chainPrefix: prefix, clusterCIDR: '172.30.0.0/16', log: () => {}, ...extra });
  proxiers.push(p);
  return p;
}
async function natChains(): Promise<string[]> {
  return savedChains(await real.save('nat')).filter((c) => names.owns(c));
}

before(async () => {
  await createNetns(ns);
  real = new ExecIptables({ netns: ns });
});
after(async () => {
  for (const p of proxiers) await p.stop();
  await real.deleteChains(prefix).catch(() => {});
  await removeNetns(ns);
});

test('first sync applies the whole ruleset and the jumps; endpoint changes are partial; deletes remove every chain', async () => {
  const registry = new Registry();
  const ipt = new Counting(real);
  const p = make(ipt, { metricsRegistry: registry });
  p.onServices([svc('a', '10.250.9.1'), svc('b', '10.250.9.2')]);
  p.onEndpoints([eps('a', ['172.30.1.1', '172.30.1.2', '172.30.1.3']), eps('b', ['172.30.2.1'])]);
  await p.settled();
  assert.equal(p.lastResult?.mode, 'full');

  const saved = await real.save('nat');
  const svcA = names.servicePort('test/a:http', 'tcp');
  assert.ok(savedChains(saved).includes(svcA));
  assert.equal(savedChains(saved).filter((c) => c.startsWith(`${prefix}-SEP-`)).length, 4);
  assert.match(saved, new RegExp(`-A ${svcA} .*--probability 0\\.333333\\d* -j ${prefix}-SEP-`));
  assert.match(saved, new RegExp(`-A OUTPUT -m comment --comment "kubernetes service portals" -j ${prefix}-SERVICES`));
  assert.match(saved, new RegExp(`-A PREROUTING -m comment --comment "kubernetes service portals" -j ${prefix}-SERVICES`));
  assert.match(saved, new RegExp(`-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j ${prefix}-POSTROUTING`));
  const filter = await real.save('filter');
  assert.match(filter, new RegExp(`-A FORWARD .*-j ${prefix}-FORWARD`));

  // Endpoint change: only the changed service's chains go in the batch.
  const restoresBefore = ipt.restores.length;
  p.updateEndpoints('MODIFIED', eps('a', ['172.30.1.1', '172.30.1.4']));
  await p.settled();
  assert.equal(p.lastResult?.mode, 'partial');
  assert.equal(ipt.restores.length, restoresBefore + 1);
  const batch = ipt.restores[ipt.restores.length - 1].text;
  assert.ok(!batch.includes(names.servicePort('test/b:http', 'tcp')), 'unchanged service b must not be rewritten');
  assert.ok(!batch.includes(`:${prefix}-SERVICES `), 'KUBE-SERVICES did not change');
  const newSep = names.endpoint('test/a:http', 'tcp', '172.30.1.4:8080');
  const goneSep = names.endpoint('test/a:http', 'tcp', '172.30.1.3:8080');
  assert.ok((await natChains()).includes(newSep));
  assert.ok(!(await natChains()).includes(goneSep));
  assert.match(await real.save('nat'), /--to-destination 172\.30\.1\.4:8080/);

  // Metrics on the passed-in registry.
  const text = await registry.metrics();
  assert.match(text, /kubeproxy_sync_proxy_rules_duration_seconds_count\{mode="partial"\} 1/);
  assert.match(text, /kubeproxy_sync_proxy_rules_iptables_total\{table="nat"\} \d+/);
  assert.match(text, /kubeproxy_sync_proxy_rules_last_timestamp_seconds \d+/);

  // Deleting the services removes every per-service chain; no endpoints → REJECT in filter.
  p.updateService('DELETED', svc('a', '10.250.9.1'));
  p.updateEndpoints('DELETED', eps('b', []));
  await p.settled();
  const left = await natChains();
  assert.deepEqual(left.filter((c) => names.isPerService(c)), []);
  assert.ok(!(await real.save('nat')).includes('10.250.9.1'));
  assert.match(await real.save('filter'), /"test\/b:http has no endpoints" .*-j REJECT/);
  await p.stop();
});

test('bursts are coalesced and syncs are never closer than minSyncIntervalMs', async () => {
  const ipt = new Counting(real);
  const p = make(ipt, { minSyncIntervalMs: 300 });
  p.onServices([svc('c', '10.250.9.3')]);
  p.onEndpoints([eps('c', ['172.30.3.1'])]);
  await p.settled();
  const first = ipt.restores.length;
  for (let i = 2; i < 40; i++) p.updateEndpoints('MODIFIED', eps('c', [`172.30.3.${i}`]));
  await p.settled();
  // One more sync for the whole burst (it may not start before the interval is over).
  assert.equal(ipt.restores.length, first + 1);
  // The interval runs from the first sync's start (its iptables-save), not from its restore,
  // which a loaded machine may delay by a good part of the interval.
  const firstStart = Math.max(...ipt.saves.filter((at) => at <= ipt.restores[first - 1].at));
  assert.ok(ipt.restores[first].at - firstStart >= 290, 'second sync came too early');
  assert.match(await real.save('nat'), /--to-destination 172\.30\.3\.39:8080/);
  assert.ok(!(await real.save('nat')).includes('172.30.3.2:8080'));
  // Later changes wait for the interval too.
  const t0 = performance.now();
  p.updateEndpoints('MODIFIED', eps('c', ['172.30.3.100']));
  p.updateEndpoints('MODIFIED', eps('c', ['172.30.3.101']));
  await p.settled();
  assert.equal(ipt.restores.length, first + 2);
  assert.ok(ipt.restores[first + 1].at - ipt.restores[first].at >= 280, 'syncs closer than the min interval');
  assert.ok(performance.now() - t0 < 5000);
  await p.cleanup();
  assert.deepEqual(await natChains(), []);
});

test('a restarted proxier keeps the old rules until its first sync, then deletes only what is stale', async () => {
  const a = make(real);
  a.onServices([svc('keep', '10.250.9.4'), svc('stale', '10.250.9.5')]);
  a.onEndpoints([eps('keep', ['172.30.4.1']), eps('stale', ['172.30.5.1'])]);
  await a.settled();
  await a.stop(); // as after kill -9: the rules stay

  const ipt = new Counting(real);
  const b = make(ipt);
  const keepSvc = names.servicePort('test/keep:http', 'tcp');
  const staleSvc = names.servicePort('test/stale:http', 'tcp');
  // Only services are known so far: nothing may be applied yet.
  b.onServices([svc('keep', '10.250.9.4')]);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(ipt.restores.length, 0);
  assert.ok((await natChains()).includes(staleSvc), 'old rules must stay live until the first sync');

  b.onEndpoints([eps('keep', ['172.30.4.1'])]);
  await b.settled();
  assert.equal(ipt.restores.length, 1, 'adoption is one batch');
  assert.equal(b.lastResult?.mode, 'full');
  assert.ok(b.lastResult.chainsDeleted >= 2);
  const chains = await natChains();
  assert.ok(chains.includes(keepSvc));
  assert.ok(!chains.includes(staleSvc));
  assert.ok(!chains.includes(names.endpoint('test/stale:http', 'tcp', '172.30.5.1:8080')));
  // The jumps were not duplicated by the second run.
  const outputJumps = (await real.save('nat')).split('\n').filter((l) => l.startsWith('-A OUTPUT') && l.includes(`${prefix}-SERVICES`));
  assert.equal(outputJumps.length, 1);
  await b.cleanup();
  assert.deepEqual(await natChains(), []);
  assert.ok(!(await real.save('filter')).includes(prefix));
});

test('healthz fails when changes are pending and syncs keep failing', async () => {
  // A netns that does not exist: every iptables call fails.
  const broken = new ExecIptables({ netns: uniqueName('tkpnone') });
  const p = make(broken, { healthTimeoutMs: 200, retryDelayMs: 50 });
  assert.equal(p.healthz().healthy, true);
  p.onServices([svc('d', '10.250.9.6')]);
  p.onEndpoints([eps('d', ['172.30.6.1'])]);
  const deadline = Date.now() + 10_000;
  while (p.healthz().healthy && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const h = p.healthz();
  assert.equal(h.healthy, false);
  assert.ok(h.lastError && h.lastError.length > 0);
  assert.ok(h.pendingSince !== undefined);
  await p.stop();

  const ok = make(real, { healthTimeoutMs: 200 });
  ok.onServices([]);
  ok.onEndpoints([]);
  await ok.settled();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ok.healthz().healthy, true);
  assert.ok(ok.healthz().lastSyncAt);
  await ok.cleanup();
});
