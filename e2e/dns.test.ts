// Cluster DNS on one isolated `hyperkube up` cluster, from real busybox pods: Services by short
// name in their namespace and by <svc>.<ns> in another, a headless Service (every ready pod IP),
// a StatefulSet-style pod name (hostname + subdomain), SRV of a named port, a name outside the
// cluster answered by an upstream this test runs on loopback (`up --dns-upstream`), SERVFAIL
// once that upstream is gone, and `wget http://<svc>/` by short name. Also the pod's
// resolv.conf and /etc/hosts as the kubelet writes them, and a dnsPolicy None pod.
// In pods, `timeout 5 wget` rather than `wget -T 5`: the host's busybox-static 1.35 segfaults on -T.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import type { Pod } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { clusterDnsIP } from '../dns/kube-dns-service.js';
import { startTestUpstream, udpQuery, type TestUpstream } from '../testing/dns-upstream.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;
let client: RestClient;
let upstream: TestUpstream;
let upstreamStopped = false;

const kubectl = async (args: string[], input?: string) => {
  const r = await cl.up.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
/** Runs a command in the client pod; resolves with its output and exit code. */
const inPod = async (pod: string, cmd: string, ns = 'default') => {
  const r = await cl.up.kubectl(['exec', '-n', ns, pod, '--', 'sh', '-c', `${cmd} 2>&1`]);
  return { code: r.code, out: r.stdout + r.stderr };
};

const pod = (name: string, labels: Record<string, string>, command: string[], spec: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command }], ...spec },
});

before(async () => {
  upstream = await startTestUpstream({ 'outside.test': [{ type: 'A', name: 'outside.test', ttl: 300, data: '192.0.2.7' }] });
  cl = await startIsolated('dns', [`--dns-upstream=127.0.0.1:${upstream.port}`]);
  client = RestClient.fromKubeconfig({ path: cl.up.kubeconfig });
  const objects = [
    pod('web', { app: 'web' }, ['httpd', '-f', '-p', '80', '-h', '/etc']),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'peers' }, spec: { clusterIP: 'None', selector: { app: 'peer' }, ports: [{ name: 'http', port: 80 }] } },
    pod('peer-0', { app: 'peer' }, ['httpd', '-f', '-p', '80', '-h', '/etc'], { hostname: 'peer-0', subdomain: 'peers' }),
    pod('peer-1', { app: 'peer' }, ['httpd', '-f', '-p', '80', '-h', '/etc'], { hostname: 'peer-1', subdomain: 'peers' }),
    pod('client', { app: 'client' }, ['sleep', '3600']),
    pod('fixed', { app: 'fixed' }, ['sleep', '3600'], { dnsPolicy: 'None', dnsConfig: { nameservers: ['192.0.2.53'], searches: ['example.test'], options: [{ name: 'ndots', value: '2' }] } }),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
  ];
  await kubectl(['apply', '-f', '-'], objects.map((o) => yaml.dump(o)).join('---\n'));
  await kubectl(['apply', '-n', 'other', '-f', '-'], [
    pod('db', { app: 'db' }, ['httpd', '-f', '-p', '80', '-h', '/etc']),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { selector: { app: 'db' }, ports: [{ port: 80 }] } },
  ].map((o) => yaml.dump(o)).join('---\n'));
  await eventually('pods Running', async () => {
    const pods = (await client.pods('default').list()).items;
    const others = (await client.pods('other').list()).items;
    return pods.length === 5 && others.length === 1 && [...pods, ...others].every((p) => p.status?.phase === 'Running') ? true : undefined;
  }, 90_000);
  await eventually('2 ready peers', async () => ((await client.endpoints('default').get('peers'))).subsets?.[0]?.addresses?.length === 2 ? true : undefined, 30_000);
  // The DNS binds the bridge address once the kubelet has made it (with the first pod).
  await eventually('DNS answering in the pod', async () => ((await inPod('client', 'nslookup web')).out.includes('Address') ? true : undefined), 30_000, 500);
});

after(async () => {
  client?.close();
  if (!upstreamStopped) await upstream?.stop();
  await cl?.teardown();
});

const addresses = (out: string): string[] => [...out.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]).sort();

test('the pod resolv.conf and /etc/hosts are what the kubelet writes upstream', async () => {
  const dnsIP = clusterDnsIP(cl.flags.serviceCIDR);
  const conf = (await inPod('client', 'cat /etc/resolv.conf')).out;
  assert.match(conf, new RegExp(`^nameserver ${dnsIP.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(conf, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local( |$)/m);
  assert.match(conf, /^options ndots:5$/m);
  const svc = await client.services('kube-system').get('kube-dns');
  assert.equal(svc.spec!.clusterIP, dnsIP, 'kube-dns on the 10th address of the service range');
  assert.equal((await inPod('fixed', 'cat /etc/resolv.conf')).out, 'nameserver 192.0.2.53\nsearch example.test\noptions ndots:2\n');
  const peer = await client.pods('default').get('peer-0');
  assert.match((await inPod('peer-0', 'cat /etc/hosts')).out, new RegExp(`^${peer.status!.podIP!.replaceAll('.', '\\.')}\\tpeer-0\\.peers\\.default\\.svc\\.cluster\\.local\\tpeer-0$`, 'm'));
});

test('Services by short name, in another namespace, headless, a pod hostname, SRV', async () => {
  const webIP = (await client.services('default').get('web')).spec!.clusterIP!;
  const dbIP = (await client.services('other').get('db')).spec!.clusterIP!;
  const peerIPs = (await client.pods('default').list({ labelSelector: 'app=peer' })).items.map((p: Pod) => p.status!.podIP!).sort();
  const short = await inPod('client', 'nslookup web');
  assert.ok(addresses(short.out).includes(webIP), short.out);
  // busybox's nslookup applies the search list to dot-less names only; libc (wget) follows ndots:5.
  const cross = await inPod('client', 'nslookup db.other.svc.cluster.local');
  assert.ok(addresses(cross.out).includes(dbIP), cross.out);
  const headless = await inPod('client', 'nslookup peers.default.svc.cluster.local');
  assert.deepEqual(addresses(headless.out).filter((a) => !a.includes(':53')), peerIPs, headless.out);
  const byHost = await inPod('client', 'nslookup peer-0.peers.default.svc.cluster.local');
  const peer0 = (await client.pods('default').get('peer-0')).status!.podIP!;
  assert.ok(addresses(byHost.out).includes(peer0), byHost.out);
  const srv = await inPod('client', 'nslookup -type=SRV _http._tcp.web.default.svc.cluster.local');
  assert.match(srv.out, /_http\._tcp\.web\.default\.svc\.cluster\.local\s+service = 0 100 80 web\.default\.svc\.cluster\.local/, srv.out);
  const missing = await inPod('client', 'nslookup nope.default.svc.cluster.local');
  assert.match(missing.out, /NXDOMAIN/, missing.out);
});

test('wget http://<svc>/ by short name, and <svc>.<ns> from another namespace', async () => {
  const r = await inPod('client', 'timeout 10 wget -q -O - http://web/hostname');
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out.trim(), 'web');
  const other = await inPod('client', 'timeout 10 wget -q -O - http://db.other/hostname');
  assert.equal(other.code, 0, other.out);
  assert.equal(other.out.trim(), 'db');
});

test('names outside the cluster come from the upstream; without one, SERVFAIL', async () => {
  const r = await inPod('client', 'nslookup outside.test.');
  assert.ok(addresses(r.out).includes('192.0.2.7'), r.out);
  assert.ok(upstream.asked.some((q) => q.startsWith('outside.test ')), `the upstream was asked: ${upstream.asked.join(', ')}`);
  await upstream.stop();
  upstreamStopped = true;
  // SERVFAIL, read through the kube-dns ClusterIP from the node (the proxy's DNAT to the DNS).
  const dnsIP = clusterDnsIP(cl.flags.serviceCIDR);
  const t0 = Date.now();
  const direct = await udpQuery(dnsIP, 53, 'elsewhere.test', 'A', { timeoutMs: 8000 });
  assert.equal(direct.rcode, 'SERVFAIL');
  assert.ok(Date.now() - t0 < 5000, 'within the forward timeout');
  assert.equal((await udpQuery(dnsIP, 53, 'web.default.svc.cluster.local', 'A')).rcode, 'NOERROR', 'cluster names still answer');
  // busybox (musl's resolver) retries a SERVFAIL until it gives up: a failed lookup, not a hang.
  const gone = await inPod('client', 'nslookup elsewhere.test.');
  assert.notEqual(gone.code, 0, gone.out);
  assert.doesNotMatch(gone.out, /Address: 192/, gone.out);
});
