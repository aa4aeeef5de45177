// The cluster DNS against a real apiserver (real etcd): names of Services,
// headless Services with endpoint hostnames, SRV, PTR, ExternalName, pods,
// NXDOMAIN versus NODATA as CoreDNS answers them, forwarding to an upstream
// this test runs on loopback (with its cache, its timeout and no upstream at
// all), truncation over UDP and the full answer over TCP, the kube-dns Service.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from '../api/core.js';
import { startTestCluster, type TestCluster } from '../testing/client-env.js';
import { startTestUpstream, tcpDnsQuery, udpQuery, type DnsReply, type TestUpstream } from '../testing/dns-upstream.js';
import { startDns, type DnsServer } from './server.js';
import { ensureKubeDns } from './kube-dns-service.js';

let cluster: TestCluster;
let upstream: TestUpstream;
let dns: DnsServer;
const ns = `dns-${Math.random().toString(36).slice(2, 7)}`;
const other = `${ns}-b`;
const q = (name: string, type = 'A', o: { edns?: number } = {}) => udpQuery(dns.host, dns.port, name, type, o);
const data = (r: DnsReply, type = 'A') => (r.answers ?? []).filter((a) => a.type === type).map((a) => (a as { data: unknown }).data);

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  cluster = await startTestCluster();
  upstream = await startTestUpstream(
    {
      'outside.test': [{ type: 'A', name: 'outside.test', ttl: 300, data: '192.0.2.7' }],
      'target.example': [{ type: 'A', name: 'target.example', ttl: 300, data: '192.0.2.9' }],
    },
    ['silent.test'],
  );
  const c = cluster.client;
  for (const n of [ns, other]) await c.namespaces().create({ metadata: { name: n } });
  await c.services(ns).create({ metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] } });
  await c.services(other).create({ metadata: { name: 'db' }, spec: { ports: [{ port: 5432 }] } });
  await c.services(ns).create({ metadata: { name: 'peers' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 8080 }] } });
  const eps: Endpoints = {
    metadata: { name: 'peers', namespace: ns },
    subsets: [
      { addresses: [{ ip: '10.244.0.5', hostname: 'peer-0' }, { ip: '10.244.0.6' }], notReadyAddresses: [{ ip: '10.244.0.7' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    ],
  };
  await c.endpoints(ns).create(eps);
  await c.services(ns).create({ metadata: { name: 'empty' }, spec: { clusterIP: 'None', ports: [{ port: 1 }] } });
  await c.services(ns).create({ metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'target.example' } });
  // Big enough for truncation over plain 512-byte UDP.
  await c.services(ns).create({ metadata: { name: 'big' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
  await c.endpoints(ns).create({ metadata: { name: 'big', namespace: ns }, subsets: [{ addresses: Array.from({ length: 20 }, (_, i) => ({ ip: `10.244.1.${i + 1}` })), ports: [{ port: 80 }] }] });
  dns = await startDns({ client: c, host: '127.0.0.1', port: 0, metricsPort: 0, upstream: [`127.0.0.1:${upstream.port}`], serviceCIDR: '10.96.0.0/12', forwardTimeoutMs: 700, log: () => {} });
});

after(async () => {
  await dns?.stop();
  await upstream?.stop();
  await cluster?.stop();
});

describe('cluster names', () => {
  it('A of a Service is its ClusterIP, authoritative, TTL 30; AAAA of it is NODATA', async () => {
    const svc = await cluster.client.services(ns).get('web');
    const r = await q(`web.${ns}.svc.cluster.local`);
    assert.equal(r.rcode, 'NOERROR');
    assert.ok(r.flag_aa);
    assert.deepEqual(data(r), [svc.spec!.clusterIP]);
    assert.equal((r.answers![0] as { ttl: number }).ttl, 30);
    const six = await q(`web.${ns}.svc.cluster.local`, 'AAAA');
    assert.equal(six.rcode, 'NOERROR');
    assert.equal(six.answers!.length, 0);
    assert.equal(six.authorities![0].type, 'SOA');
    assert.equal((six.authorities![0] as { data: { mname: string } }).data.mname, 'ns.dns.cluster.local');
    const db = await q(`DB.${other.toUpperCase()}.svc.Cluster.Local`);
    assert.deepEqual(data(db), [(await cluster.client.services(other).get('db')).spec!.clusterIP]);
    assert.equal(db.answers![0].name, `DB.${other.toUpperCase()}.svc.Cluster.Local`, 'the question spelling is kept');
  });

  it('NXDOMAIN for names that do not exist, NODATA for those that do', async () => {
    const nx = async (n: string) => {
      const r = await q(n);
      assert.equal(r.rcode, 'NXDOMAIN', n);
      assert.equal(r.authorities?.[0]?.type, 'SOA', `${n}: SOA in authority`);
    };
    const nodata = async (n: string, t = 'A') => {
      const r = await q(n, t);
      assert.equal(r.rcode, 'NOERROR', `${n} ${t}`);
      assert.equal(r.answers!.length, 0, `${n} ${t}`);
      assert.equal(r.authorities?.[0]?.type, 'SOA', `${n}: SOA in authority`);
    };
    await nx(`nope.${ns}.svc.cluster.local`);
    await nx(`web.no-such-ns.svc.cluster.local`);
    await nx('foo.cluster.local');
    await nx(`a.b.c.web.${ns}.svc.cluster.local`);
    await nx(`empty.${ns}.svc.cluster.local`); // headless without ready endpoints
    await nodata(`${ns}.svc.cluster.local`);
    await nodata('svc.cluster.local');
    await nodata('cluster.local');
    await nodata(`web.${ns}.svc.cluster.local`, 'MX');
    await nodata(`web.${ns}.svc.cluster.local`, 'TXT');
    const soa = await q('cluster.local', 'SOA');
    assert.equal(soa.answers![0].type, 'SOA');
  });

  it('headless: every ready address, names per endpoint, SRV per endpoint', async () => {
    const r = await q(`peers.${ns}.svc.cluster.local`);
    assert.deepEqual(data(r).sort(), ['10.244.0.5', '10.244.0.6']);
    assert.deepEqual(data(await q(`peer-0.peers.${ns}.svc.cluster.local`)), ['10.244.0.5']);
    assert.deepEqual(data(await q(`10-244-0-6.peers.${ns}.svc.cluster.local`)), ['10.244.0.6']);
    assert.equal((await q(`10-244-0-7.peers.${ns}.svc.cluster.local`)).rcode, 'NXDOMAIN', 'not-ready addresses are not published');
    const srv = await q(`_http._tcp.peers.${ns}.svc.cluster.local`, 'SRV');
    const targets = data(srv, 'SRV') as { port: number; target: string; weight: number }[];
    assert.deepEqual(targets.map((t) => t.target).sort(), [`10-244-0-6.peers.${ns}.svc.cluster.local`, `peer-0.peers.${ns}.svc.cluster.local`]);
    assert.ok(targets.every((t) => t.port === 8080 && t.weight === 50));
    assert.equal(srv.additionals!.filter((a) => a.type === 'A').length, 2);
  });

  it('SRV of a named port, PTR of ClusterIPs and endpoint addresses, ExternalName, pods, dns-version', async () => {
    const ip = (await cluster.client.services(ns).get('web')).spec!.clusterIP!;
    const srv = await q(`_http._tcp.web.${ns}.svc.cluster.local`, 'SRV');
    assert.deepEqual(data(srv, 'SRV'), [{ priority: 0, weight: 100, port: 80, target: `web.${ns}.svc.cluster.local` }]);
    assert.deepEqual(data(srv.additionals ? { ...srv, answers: srv.additionals } : srv), [ip]);
    assert.equal((await q(`_http._udp.web.${ns}.svc.cluster.local`, 'SRV')).rcode, 'NXDOMAIN');
    assert.equal(data(await q(`web.${ns}.svc.cluster.local`, 'SRV'), 'SRV').length, 2, 'all ports without _port._proto');
    const rev = (a: string) => `${a.split('.').reverse().join('.')}.in-addr.arpa`;
    assert.deepEqual(data(await q(rev(ip), 'PTR'), 'PTR'), [`web.${ns}.svc.cluster.local`]);
    assert.deepEqual(data(await q(rev('10.244.0.5'), 'PTR'), 'PTR'), [`peer-0.peers.${ns}.svc.cluster.local`]);
    const ext = await q(`ext.${ns}.svc.cluster.local`);
    assert.deepEqual(data(ext, 'CNAME'), ['target.example']);
    assert.deepEqual(data(ext), ['192.0.2.9'], 'the CNAME target is resolved upstream');
    assert.deepEqual(data(await q(`10-244-3-4.${ns}.pod.cluster.local`)), ['10.244.3.4']);
    assert.equal((await q(`10-244-3-4.nowhere.pod.cluster.local`)).rcode, 'NXDOMAIN');
    assert.equal((await q(`not-an-ip.${ns}.pod.cluster.local`)).rcode, 'NXDOMAIN');
    const v = await q('dns-version.cluster.local', 'TXT');
    assert.deepEqual((v.answers![0] as { data: Buffer[] }).data.map(String), ['1.1.0']);
  });

  it('follows changes: a new Service answers, a deleted one is NXDOMAIN', async () => {
    await cluster.client.services(ns).create({ metadata: { name: 'later' }, spec: { ports: [{ port: 81 }] } });
    await eventually(async () => (await q(`later.${ns}.svc.cluster.local`)).rcode === 'NOERROR', 'the new service');
    await cluster.client.services(ns).delete('later');
    await eventually(async () => (await q(`later.${ns}.svc.cluster.local`)).rcode === 'NXDOMAIN', 'the deleted service');
  });

  it('keeps Service kube-system/kube-dns on the 10th address and its Endpoints on us', async () => {
    const svc = await cluster.client.services('kube-system').get('kube-dns');
    assert.equal(svc.spec!.clusterIP, '10.96.0.10');
    assert.equal(svc.metadata.labels!['k8s-app'], 'kube-dns');
    assert.deepEqual(svc.spec!.ports!.map((p) => `${p.name}/${p.port}/${p.protocol}`), ['dns/53/UDP', 'dns-tcp/53/TCP', 'metrics/9153/TCP']);
    const ep = await cluster.client.endpoints('kube-system').get('kube-dns');
    assert.deepEqual(ep.subsets![0].addresses!.map((a) => a.ip), ['127.0.0.1']);
    assert.equal(ep.subsets![0].ports!.find((p) => p.name === 'dns')!.port, dns.port);
    const ns1 = await q('cluster.local', 'NS');
    assert.deepEqual(data(ns1, 'NS'), ['ns.dns.cluster.local']);
    const metrics = await (await fetch(`${dns.metricsUrl}/metrics`)).text();
    assert.match(metrics, /coredns_dns_requests_total\{proto="udp"\} \d+/);
  });
});

describe('forwarding', () => {
  it('answers names outside the cluster from the upstream, then from the cache', async () => {
    const before = upstream.asked.length;
    const r = await q('outside.test');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(data(r), ['192.0.2.7']);
    assert.ok(r.flag_ra, 'recursion available, as the upstream said');
    assert.ok(!r.flag_aa);
    const again = await q('OUTSIDE.test');
    assert.deepEqual(data(again), ['192.0.2.7']);
    assert.ok((again.answers![0] as { ttl: number }).ttl <= 30, 'TTL capped at 30 s');
    const nx1 = await q('missing.test');
    assert.equal(nx1.rcode, 'NXDOMAIN');
    await q('missing.test');
    assert.equal(upstream.asked.length - before, 2, `one upstream question per name: ${upstream.asked.slice(before).join(', ')}`);
  });

  it('SERVFAIL when the upstream does not answer in time, and when there is no upstream', async () => {
    const t0 = Date.now();
    const r = await q('silent.test');
    assert.equal(r.rcode, 'SERVFAIL');
    assert.ok(Date.now() - t0 < 2500, 'within the forward timeout');
    const lone = await startDns({ client: cluster.client, host: '127.0.0.1', port: 0, metricsPort: false, upstream: [], log: () => {} });
    try {
      const s = await udpQuery(lone.host, lone.port, 'outside.test', 'A');
      assert.equal(s.rcode, 'SERVFAIL');
      assert.equal((await udpQuery(lone.host, lone.port, `web.${ns}.svc.cluster.local`, 'A')).rcode, 'NOERROR', 'cluster names still answer');
    } finally {
      await lone.stop();
    }
  });

  it('refuses to listen on a wildcard address', async () => {
    await assert.rejects(startDns({ client: cluster.client, host: '0.0.0.0', port: 0, log: () => {} }), /wildcard/);
  });
});

describe('transport', () => {
  it('truncates a UDP answer over 512 bytes (or the EDNS0 size) and gives it whole over TCP', async () => {
    const name = `big.${ns}.svc.cluster.local`;
    const small = await q(name);
    assert.ok(small.flag_tc, 'TC set');
    assert.equal(small.answers!.length, 0);
    const edns = await q(name, 'A', { edns: 4096 });
    assert.ok(!edns.flag_tc, '20 A records fit the EDNS0 size');
    assert.equal(edns.answers!.length, 20);
    const tcp = await tcpDnsQuery(dns.host, dns.port, name, 'A');
    assert.ok(!tcp.flag_tc);
    assert.equal(tcp.answers!.length, 20);
  });
});

describe('the kube-dns Service on a restart', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => {
    await c.stop();
  });

  it('ensureKubeDns a second time (a restarted dns) keeps the Service and its ClusterIP, and does not fail', async () => {
    const o = { clusterIP: '10.96.0.10', listenIP: '127.0.0.1', dnsPort: 5353, log: () => undefined };
    await ensureKubeDns(c.client, o);
    const first = await c.client.services('kube-system').get('kube-dns');
    await ensureKubeDns(c.client, { ...o, dnsPort: 5354 });
    const again = await c.client.services('kube-system').get('kube-dns');
    assert.equal(again.metadata?.uid, first.metadata?.uid);
    assert.equal(again.spec?.clusterIP, '10.96.0.10');
    const ep = await c.client.endpoints('kube-system').get('kube-dns');
    assert.equal(ep.subsets?.[0].ports?.[0].port, 5354, 'the Endpoints follow the new port');
  });
});
