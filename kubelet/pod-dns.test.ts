// The pod's resolver config per dnsPolicy and dnsConfig, and its /etc/hosts domain, as upstream's kubelet makes them.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../api/core.js';
import { hostsFile, resolvConf } from '../runtime/pod-files.js';
import { parseResolvConf, podDNSConfig, podHostDomain, podHostname } from './pod-dns.js';

const settings = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: '' };
const host = 'nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example lab.example\noptions edns0 timeout:2\n';
const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}, ns = 'team'): Pod => ({ metadata: { name: 'p', namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });

describe('pod DNS config', () => {
  it('ClusterFirst (the default): cluster nameserver, the namespace search path then the host searches, ndots:5', () => {
    const c = podDNSConfig(pod(), settings, host);
    assert.deepEqual(c, { servers: ['10.96.0.10'], searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'], options: ['ndots:5'] });
    assert.equal(resolvConf(c), 'nameserver 10.96.0.10\nsearch team.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\noptions ndots:5\n');
  });

  it('Default, and ClusterFirst on the host network, and ClusterFirst without --cluster-dns: the host resolvers', () => {
    const hostCfg = { servers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example', 'lab.example'], options: ['edns0', 'timeout:2'] };
    assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'Default' }), settings, host), hostCfg);
    assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'ClusterFirst', hostNetwork: true }), settings, host), hostCfg);
    assert.deepEqual(podDNSConfig(pod(), { ...settings, clusterDNS: [] }, host), hostCfg);
    assert.deepEqual(podDNSConfig(pod({ dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true }), settings, host).servers, ['10.96.0.10']);
  });

  it('None: only the dnsConfig; dnsConfig is appended without duplicates, its options replace the base ones', () => {
    const none = podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }] } }), settings, host);
    assert.deepEqual(none, { servers: ['1.1.1.1'], searches: ['a.example'], options: ['ndots:2'] });
    const merged = podDNSConfig(pod({ dnsConfig: { nameservers: ['10.96.0.10', '9.9.9.9'], searches: ['svc.cluster.local', 'x.example'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }] } }), settings, '');
    assert.deepEqual(merged, { servers: ['10.96.0.10', '9.9.9.9'], searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'x.example'], options: ['ndots:1', 'single-request'] });
  });

  it('cuts to 3 nameservers and to 32 search domains of at most 2048 characters', () => {
    const many = podDNSConfig(pod({ dnsPolicy: 'Default', dnsConfig: { nameservers: ['1.1.1.1', '1.1.1.2'] } }), settings, host);
    assert.deepEqual(many.servers, ['192.0.2.53', '192.0.2.54', '1.1.1.1']);
    const searches = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    assert.equal(podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches } }), settings, '').searches!.length, 32);
    const long = Array.from({ length: 10 }, (_, i) => `${String(i).padEnd(250, 'x')}.example`.slice(0, 253));
    const fit = podDNSConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: long } }), settings, '').searches!;
    assert.ok(fit.join(' ').length <= 2048 && fit.length === 8);
  });

  it('parses resolv.conf as the resolver does: the last search line wins, comments ignored', () => {
    assert.deepEqual(parseResolvConf('# c\nsearch a b\nsearch c.\nnameserver 1.2.3.4 ; x\noptions ndots:3\n'), { servers: ['1.2.3.4'], searches: ['c'], options: ['ndots:3'] });
  });

  it('hostname and subdomain give the pod its FQDN in /etc/hosts', () => {
    const p = pod({ hostname: 'web-0', subdomain: 'web' });
    assert.equal(podHostname(p), 'web-0');
    assert.equal(podHostDomain(p, 'cluster.local'), 'web.team.svc.cluster.local');
    assert.match(hostsFile({ hostname: 'web-0', ip: '10.244.0.9', domain: podHostDomain(p, 'cluster.local') }), /^10\.244\.0\.9\tweb-0\.web\.team\.svc\.cluster\.local\tweb-0$/m);
    assert.equal(podHostDomain(pod({ hostname: 'x' }), 'cluster.local'), undefined);
    assert.equal(podHostname({ metadata: { name: `${'a'.repeat(62)}-b` }, spec: { containers: [] } }), 'a'.repeat(62));
  });
});
