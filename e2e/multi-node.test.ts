// Three test hosts on this machine (network namespaces joined by a test bridge, see
// testing/multinode.ts): the control plane and a node on host 1 (`hyperkube up`), nodes that
// joined with a bootstrap token on hosts 2 and 3 (`hyperkube join`). Each node gets a pod CIDR
// from the node IPAM controller and routes to the others' (host-gw); an RC spreads over the
// three; a pod on host 2 reaches a pod on host 3 by pod IP, ClusterIP, DNS name and a NodePort
// of host 1; `kubectl exec`/`logs` reach a pod on host 2 (the joined kubelets' client and serving
// certificates come from auto-approved CSRs); host 3's kubelet stopping makes its pods come back on hosts 1-2.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Service } from '../api/core.js';
import { startMultiNode, type MultiNodeCluster } from '../testing/multinode.js';
import { eventually } from '../testing/wait.js';

let cl: MultiNodeCluster;
const NS = 'default';

async function kubectlJSON<T>(args: string[]): Promise<T> {
  const r = await cl.kubectl([...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

async function apply(obj: object): Promise<void> {
  const r = await cl.kubectl(['apply', '-f', '-'], JSON.stringify(obj));
  assert.equal(r.code, 0, r.stderr);
}

const node = (i: number) => cl.hosts[i - 1].flags.node;
const onNode = (i: number) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node(i)] }] }] } } } });
const httpd = { name: 'httpd', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['httpd', '-f', '-p', '80', '-h', '/etc'], ports: [{ containerPort: 80 }] };

before(async () => {
  cl = await startMultiNode('mn', { hosts: 3, upFlags: [
    '--node-monitor-grace-period=6s',
    // Short NoExecute tolerations from the DefaultTolerationSeconds admission: pods are evicted 2 s after their node goes (the default is 300 s).
    '--default-not-ready-toleration-seconds=2',
    '--default-unreachable-toleration-seconds=2',
  ] });
});

after(async () => {
  await cl?.teardown();
});

test('three nodes Ready, each with its own pod CIDR from the cluster CIDR', async () => {
  const nodes = await eventually('3 Ready nodes', async () => {
    const list = await kubectlJSON<{ items: Node[] }>(['get', 'nodes']);
    const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    assert.equal(ready.length, 3, `Ready: ${ready.map((n) => n.metadata.name).join(',')}`);
    // A joined node is registered before its kubelet reports: its not-ready taint goes at the node controller's next pass.
    assert.ok(list.items.every((n) => !n.spec?.taints?.length), 'no node tainted');
    return list.items;
  }, 60_000);
  const cidrs = nodes.map((n) => n.spec?.podCIDR ?? '');
  assert.equal(new Set(cidrs).size, 3, cidrs.join(' '));
  for (const c of cidrs) assert.match(c, /^10\.244\.\d+\.0\/24$/);
  const ips = nodes.map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).sort();
  assert.deepEqual(ips, cl.hosts.map((h) => h.ip).sort());
});

test('an RC of 6 spreads 2/2/2', async () => {
  await apply({
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web' },
    spec: { replicas: 6, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, containers: [httpd] } } },
  });
  const pods = await eventually('6 web pods Running', async () => {
    const list = await kubectlJSON<{ items: Pod[] }>(['get', 'pods', '-l', 'app=web']);
    const running = list.items.filter((p) => p.status?.phase === 'Running');
    assert.equal(running.length, 6, list.items.map((p) => `${p.metadata.name}@${p.spec?.nodeName ?? '-'}:${p.status?.phase ?? ''}:${JSON.stringify(p.status?.conditions ?? [])}`).join(' '));
    return running;
  }, 60_000);
  const per = new Map<string, number>();
  for (const p of pods) per.set(p.spec!.nodeName!, (per.get(p.spec!.nodeName!) ?? 0) + 1);
  assert.deepEqual([1, 2, 3].map((i) => per.get(node(i)) ?? 0), [2, 2, 2]);
  // The apiserver's DefaultTolerationSeconds admission gave each pod the configured 2 s.
  const tol = pods[0].spec?.tolerations?.filter((t) => t.effect === 'NoExecute').map((t) => `${t.key}:${t.tolerationSeconds}`);
  assert.deepEqual(tol, ['node.kubernetes.io/not-ready:2', 'node.kubernetes.io/unreachable:2']);
});

test("kubectl exec and logs reach a pod on host 2: its kubelet serves a certificate of the cluster CA, from an approved CSR", async () => {
  const pods = await kubectlJSON<{ items: Pod[] }>(['get', 'pods', '-l', 'app=web', '--field-selector', `spec.nodeName=${node(2)}`]);
  const pod = pods.items.find((p) => p.status?.phase === 'Running')?.metadata.name;
  assert.ok(pod, 'a web pod on host 2');
  // Written to the container's PID 1 stdout, so it is in the pod's log too.
  const exec = await cl.kubectl(['exec', pod, '--', 'sh', '-c', 'echo exec-on-host2; echo log-from-host2 > /proc/1/fd/1']);
  assert.equal(exec.code, 0, exec.stderr);
  assert.equal(exec.stdout.trim(), 'exec-on-host2');
  const logs = await eventually('log line', async () => {
    const r = await cl.kubectl(['logs', pod]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /log-from-host2/);
    return r.stdout;
  }, 10_000);
  assert.match(logs, /log-from-host2/);
  const csrs = await cl.kubectl(['get', 'csr']);
  assert.equal(csrs.code, 0, csrs.stderr);
  // Each joined node's identity: a client certificate asked with the bootstrap token, approved after a SubjectAccessReview.
  assert.equal(csrs.stdout.match(/^csr-\S+\s+\S+\s+kubernetes.io\/kube-apiserver-client-kubelet\s+system:bootstrap:[a-z0-9]{6}\s+<none>\s+Approved,Issued$/gm)?.length, 2, csrs.stdout);
  for (const i of [2, 3]) {
    assert.match(csrs.stdout, new RegExp(`^csr-\\S+\\s+\\S+\\s+kubernetes.io/kubelet-serving\\s+system:node:${node(i)}\\s+<none>\\s+Approved,Issued$`, 'm'), csrs.stdout);
  }
});

test('a pod on host 2 reaches a pod on host 3 by pod IP, ClusterIP, DNS name and a NodePort of host 1', async () => {
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'target', labels: { app: 'target' } }, spec: { terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, ...onNode(3), containers: [httpd] } });
  await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'target' }, spec: { type: 'NodePort', selector: { app: 'target' }, ports: [{ port: 80 }] } });
  const target = await eventually('target Running', async () => {
    const p = await kubectlJSON<Pod>(['get', 'pod', 'target']);
    assert.equal(p.status?.phase, 'Running');
    assert.ok(p.status?.podIP);
    return p;
  }, 30_000);
  assert.equal(target.spec?.nodeName, node(3));
  const svc = await kubectlJSON<Service>(['get', 'service', 'target']);
  const nodePort = svc.spec!.ports![0].nodePort!;
  const urls = {
    podIP: `http://${target.status!.podIP!}/hostname`,
    clusterIP: `http://${svc.spec!.clusterIP!}/hostname`,
    dns: `http://target.${NS}.svc.cluster.local/hostname`,
    nodePort: `http://${cl.hosts[0].ip}:${nodePort}/hostname`,
  };
  // Each way is tried until it answers the target's name (rules and routes settle), at most ~20 s.
  const script = Object.entries(urls)
    .map(([what, url]) => `ok=; for i in $(seq 1 40); do if [ "$(timeout 3 wget -q -O - ${url})" = target ]; then ok=1; break; fi; sleep 0.5; done; [ -n "$ok" ] || { echo "${what} ${url} unreachable" > /dev/termination-log; exit 1; }`)
    .join('\n');
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' }, spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, ...onNode(2), containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script] }] } });
  const done = await eventually('client finished', async () => {
    const p = await kubectlJSON<Pod>(['get', 'pod', 'client']);
    assert.ok(p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed', `phase ${p.status?.phase}`);
    return p;
  }, 60_000);
  assert.equal(done.spec?.nodeName, node(2));
  assert.equal(done.status?.phase, 'Succeeded', done.status?.containerStatuses?.[0]?.state?.terminated?.message);
});

test("host 3's kubelet stopping: NotReady, tainted unreachable, its pods come back on hosts 1-2", async () => {
  const started = Date.now();
  await cl.stopHost(cl.hosts[2]);
  await eventually('node 3 tainted unreachable', async () => {
    const n = await kubectlJSON<Node>(['get', 'node', node(3)]);
    assert.ok(n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'), JSON.stringify(n.spec?.taints));
    assert.notEqual(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    return true;
  }, 40_000);
  const pods = await eventually('6 web pods live off node 3', async () => {
    const list = await kubectlJSON<{ items: Pod[] }>(['get', 'pods', '-l', 'app=web']);
    const live = list.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');
    // Evicted pods are deleted (Terminating: their kubelet is gone and cannot finish them).
    assert.ok(list.items.filter((p) => p.spec?.nodeName === node(3)).every((p) => p.metadata.deletionTimestamp));
    assert.equal(live.length, 6);
    return live;
  }, 40_000);
  for (const p of pods) assert.notEqual(p.spec?.nodeName, node(3));
  // Grace period 6 s, monitor period 5 s, toleration 2 s, then a new pod started.
  assert.ok(Date.now() - started < 40_000);
});
