// Golden files: testdata/<case>.json (Services + Endpoints in) → testdata/<case>.golden
// (iptables-restore text out, filter then nat). UPDATE_GOLDEN=1 rewrites them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { MAX_CHAIN_NAME } from './chains.js';
import { probability, RenderCache, renderAll, renderFilter, renderRules, renderTables, type RenderInput } from './render.js';
import { syntheticEndpoints } from '../testing/proxy-synthetic.js';
import { syntheticCluster } from '../testing/proxy-synthetic.js';

// Compiled tests run from dist-test/proxy; the data stays in the source tree.
const here = fileURLToPath(new URL('.', import.meta.url));
const testdata = join(here.replace(/\/dist-test\/proxy\/?$/, '/proxy'), 'testdata');

interface Case extends Partial<RenderInput> {
  /** What the case checks: for readers of the file, not a render input. */
  description?: string;
  generate?: { services: number; endpointsPerService: number };
}

function load(name: string): RenderInput {
  const c = JSON.parse(readFileSync(join(testdata, `${name}.json`), 'utf8')) as Case;
  const { generate, ...rest } = c;
  delete rest.description;
  const cluster = generate ? syntheticCluster(generate) : { services: c.services ?? [], endpoints: c.endpoints ?? [] };
  return { ...rest, services: cluster.services, endpoints: cluster.endpoints };
}

const cases = readdirSync(testdata)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort();

test('there are golden cases', () => {
  assert.ok(cases.length >= 8, `only ${cases.length} cases in ${testdata}`);
});

for (const name of cases) {
  test(`golden: ${name}`, () => {
    const text = renderAll(load(name)).text;
    const golden = join(testdata, `${name}.golden`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'), `${name} differs from its golden file (UPDATE_GOLDEN=1 to accept)`);
    for (const m of text.matchAll(/^:(\S+)/gm)) assert.ok(m[1].length <= MAX_CHAIN_NAME, `chain ${m[1]} too long`);
  });
}

test('three endpoints: probabilities 1/3, 1/2, then unconditional, in kube-proxy format', () => {
  const nat = renderRules(load('clusterip-3-endpoints')).text;
  const svcRules = nat.split('\n').filter((l) => l.startsWith('-A KUBE-SVC-') && l.includes(' -> '));
  assert.equal(svcRules.length, 3);
  assert.match(svcRules[0], /10\.244\.1\.1:8080" -m statistic --mode random --probability 0\.3333333333 -j KUBE-SEP-/);
  assert.match(svcRules[1], /10\.244\.1\.2:8080" -m statistic --mode random --probability 0\.5000000000 -j KUBE-SEP-/);
  assert.doesNotMatch(svcRules[2], /statistic/);
  assert.match(svcRules[2], /10\.244\.1\.3:8080" -j KUBE-SEP-/);
  assert.ok(!nat.includes('10.244.1.9'), 'not-ready address must not be used');
  assert.equal(probability(7), '0.1428571429');
});

test('chain names match kube-proxy (servicePortChainName / servicePortEndpointChainName)', () => {
  // Values from kube-proxy's own iptables proxier tests.
  const nat = renderRules(load('stale-chains')).text;
  assert.match(nat, /^-A KUBE-SERVICES -m comment --comment "ns1\/svc1:p80 cluster IP" -m tcp -p tcp -d 10\.96\.0\.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O$/m);
  assert.match(nat, /^-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1\/svc1:p80 -s 10\.180\.0\.1 -j KUBE-MARK-MASQ$/m);
});

test('stale per-service chains are flushed and deleted; fixed and foreign chains are kept', () => {
  const out = renderRules(load('stale-chains'));
  assert.deepEqual(out.deleted, ['KUBE-SEP-BBBBBBBBBBBBBBBB', 'KUBE-SVC-AAAAAAAAAAAAAAAA']);
  assert.match(out.text, /^:KUBE-SVC-AAAAAAAAAAAAAAAA - \[0:0\]$/m);
  assert.match(out.text, /^-X KUBE-SVC-AAAAAAAAAAAAAAAA$/m);
  assert.ok(!out.text.includes('DOCKER'));
  assert.ok(!/^-X KUBE-(SERVICES|SVC-XPGD46QRK7WJZT7O|SEP-SXIVWICOYRO3J4NJ)$/m.test(out.text));
});

test('no endpoints: REJECT in filter (ClusterIP and NodePort), no nat rules for the service', () => {
  const input = load('no-endpoints');
  const filter = renderFilter(input).text;
  assert.match(filter, /^-A KUBE-SERVICES -m comment --comment "ns2\/empty:p80 has no endpoints" -m tcp -p tcp -d 10\.96\.0\.42 --dport 80 -j REJECT --reject-with tcp-reset$/m);
  assert.match(filter, /^-A KUBE-EXTERNAL-SERVICES .*-m addrtype --dst-type LOCAL -m udp -p udp --dport 30053 -j REJECT --reject-with icmp-port-unreachable$/m);
  const nat = renderRules(input);
  assert.ok(!nat.chains.some((c) => c.startsWith('KUBE-SVC-')));
  assert.ok(!nat.text.includes('10.96.0.42'));
});

test('session affinity: rcheck in the service chain before the random pick, set in the endpoint chain', () => {
  const nat = renderRules(load('session-affinity')).text.split('\n');
  const svc = nat.filter((l) => l.startsWith('-A KUBE-SVC-'));
  assert.match(svc[1], /-m recent --name KUBE-SEP-\S+ --rcheck --seconds 600 --reap -j KUBE-SEP-/);
  assert.match(svc[2], /-m recent --name KUBE-SEP-\S+ --rcheck --seconds 600 --reap -j KUBE-SEP-/);
  assert.match(svc[3], /--probability 0\.5000000000/);
  const dnat = nat.filter((l) => l.includes('DNAT'));
  assert.equal(dnat.length, 2);
  for (const l of dnat) {
    const chain = l.split(' ')[1];
    assert.ok(l.includes(`-m recent --name ${chain} --set -j DNAT`), l);
  }
});

test('NodePort: KUBE-NODEPORTS masquerades then jumps; the addrtype LOCAL jump is the last KUBE-SERVICES rule', () => {
  const nat = renderRules(load('nodeport')).text.split('\n');
  const np = nat.filter((l) => l.startsWith('-A KUBE-NODEPORTS'));
  assert.equal(np.length, 2);
  assert.match(np[0], /--dport 30080 -j KUBE-MARK-MASQ$/);
  assert.match(np[1], /--dport 30080 -j KUBE-SVC-/);
  const services = nat.filter((l) => l.startsWith('-A KUBE-SERVICES'));
  assert.match(services[services.length - 1], /-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS$/);
});

test('UDP and TCP on the same port get separate chains; a test prefix names every chain', () => {
  const out = renderRules(load('udp'));
  assert.ok(out.chains.every((c) => c.startsWith('TKP3F-')), out.chains.join(','));
  assert.equal(out.chains.filter((c) => c.startsWith('TKP3F-SVC-')).length, 2);
  assert.match(out.text, /-m udp -p udp -d 10\.96\.0\.10 --dport 53 -j TKP3F-SVC-/);
  assert.match(out.text, /-m udp -p udp -j DNAT --to-destination 10\.244\.0\.2:53/);
  assert.ok(!out.text.includes('KUBE-'));
});

test('multi-port: each port resolves its own named target per subset', () => {
  const nat = renderRules(load('multi-port-named')).text;
  for (const dest of ['10.244.2.10:8080', '10.244.2.11:8080', '10.244.3.20:8081', '10.244.2.10:9100', '10.244.3.20:9101']) {
    assert.ok(nat.includes(`--to-destination ${dest}`), dest);
  }
  assert.ok(!nat.includes('--to-destination 10.244.3.20:8080'));
});

test('1000 services: one SVC and three SEP chains each, all distinct', () => {
  const out = renderRules(load('services-1000'));
  assert.equal(out.chains.filter((c) => c.startsWith('KUBE-SVC-')).length, 1000);
  assert.equal(out.chains.filter((c) => c.startsWith('KUBE-SEP-')).length, 3000);
  assert.equal(new Set(out.chains).size, out.chains.length);
});

test('a prefix that would make names too long is refused', () => {
  assert.throws(() => renderRules({ services: [], endpoints: [], chainPrefix: 'TOOLONGPFX' }), /too long/);
});

test('a RenderCache gives the same text, and reuses unchanged services\' chains', () => {
  const opts = { services: 50, endpointsPerService: 3 };
  const cluster = syntheticCluster(opts);
  const cache = new RenderCache();
  const first = renderTables({ ...cluster, cache });
  assert.equal(renderAll({ ...cluster, cache }).text, renderAll(cluster).text);
  // Service 7 gets new endpoints: only its chains change.
  const endpoints = [...cluster.endpoints];
  endpoints[7] = syntheticEndpoints(7, opts, 1);
  const second = renderTables({ services: cluster.services, endpoints, cache });
  assert.equal(renderAll({ services: cluster.services, endpoints, cache }).text, renderAll({ services: cluster.services, endpoints }).text);
  let same = 0;
  let changed = 0;
  for (const [chain, rules] of second.nat.chains) {
    if (first.nat.chains.get(chain) === rules) same++;
    else changed++;
  }
  // svc-7's SVC chain and its 3 new SEP chains are new arrays; the 4 fixed chains are rebuilt each time.
  assert.equal(changed, 4 + 4);
  assert.equal(same, 50 * 4 - 4);
  // A removed service leaves the cache and the output.
  const fewer = renderRules({ services: cluster.services.slice(1), endpoints, cache });
  assert.ok(!fewer.text.includes('bench/svc-0:http'));
});
