// networking.k8s.io/v1 (IngressClass, Ingress, NetworkPolicy) and scheduling.k8s.io/v1
// (PriorityClass, Priority admission) as kubectl 1.32 meets them: a real apiserver on its own
// etcd, driven by the real /usr/bin/kubectl.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../api/core.js';
import type { Status } from '../api/meta.js';
import type { Ingress, NetworkPolicy } from '../api/networking.js';
import type { PriorityClass } from '../api/scheduling.js';
import type { TestApi } from '../testing/cluster.js';
import { startKubectlApi, type KubectlApi, type KubectlResult } from '../testing/kubectl.js';

let k: KubectlApi;
let api: TestApi;

before(async () => {
  k = await startKubectlApi('tkt-netapi-kubectl-');
  api = k.api;
});
after(async () => {
  await k?.stop();
});

const kubectl = (args: string[], input?: string): Promise<KubectlResult> => k.kubectl(args, input);
const ok = (args: string[], input?: string): Promise<string> => k.ok(args, input);

async function getJSON<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok(['get', ...args, '-o', 'json'])) as T;
}

// A chart-style manifest: a default class, an Ingress that names none (TLS, two hosts), and a policy.
const MANIFEST = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations:
    ingressclass.kubernetes.io/is-default-class: "true"
spec:
  controller: k8s.io/ingress-nginx
  parameters:
    apiGroup: k8s.example.com
    kind: IngressParameters
    name: external-lb
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  tls:
  - hosts: [shop.example.com]
    secretName: shop-tls
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
  - host: api.example.com
    http:
      paths:
      - path: /v1
        pathType: Exact
        backend:
          service:
            name: api
            port:
              name: http
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-allow
spec:
  podSelector:
    matchLabels:
      app: api
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: web
    - ipBlock:
        cidr: 10.0.0.0/16
        except: [10.0.1.0/24]
    ports:
    - port: 8080
  egress:
  - to:
    - namespaceSelector: {}
`;

test('discovery: api-resources lists the networking and scheduling kinds', async () => {
  const out = await ok(['api-resources']);
  for (const re of [
    /^ingressclasses\s+networking\.k8s\.io\/v1\s+false\s+IngressClass$/m,
    /^ingresses\s+ing\s+networking\.k8s\.io\/v1\s+true\s+Ingress$/m,
    /^networkpolicies\s+netpol\s+networking\.k8s\.io\/v1\s+true\s+NetworkPolicy$/m,
    /^priorityclasses\s+pc\s+scheduling\.k8s\.io\/v1\s+false\s+PriorityClass$/m,
  ]) {
    assert.match(out, re);
  }
});

test('apply a manifest: the Ingress gets the default class, the policy its defaults; get and describe', async () => {
  const applied = await ok(['apply', '-f', '-'], MANIFEST);
  assert.match(applied, /ingressclass\.networking\.k8s\.io\/nginx created/);
  assert.match(applied, /ingress\.networking\.k8s\.io\/web created/);
  assert.match(applied, /networkpolicy\.networking\.k8s\.io\/api-allow created/);

  const ing = await getJSON<Ingress>(['ingress', 'web']);
  assert.equal(ing.spec?.ingressClassName, 'nginx', 'DefaultIngressClass');
  assert.equal(ing.metadata.generation, 1);
  assert.deepEqual(ing.status, { loadBalancer: {} });
  // Applying the same file again leaves the Ingress unchanged, its defaulted class included. (The
  // policy is "configured", as against kube-apiserver: its ports lists gained a defaulted protocol,
  // and kubectl replaces a list without a merge key whole when the live one differs.)
  const again = await ok(['apply', '-f', '-'], MANIFEST);
  assert.match(again, /ingressclass\.networking\.k8s\.io\/nginx unchanged/);
  assert.match(again, /ingress\.networking\.k8s\.io\/web unchanged/);
  const np = await getJSON<NetworkPolicy>(['netpol', 'api-allow']);
  assert.deepEqual(np.spec?.policyTypes, ['Ingress', 'Egress']);
  assert.equal(np.spec?.ingress?.[0].ports?.[0].protocol, 'TCP');

  const table = await ok(['get', 'ingress']);
  assert.match(table, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE$/m);
  assert.match(table, /^web\s+nginx\s+shop\.example\.com,api\.example\.com\s+80, 443\s+\d+s$/m);
  assert.match(await ok(['get', 'ingressclass']), /^nginx\s+k8s\.io\/ingress-nginx\s+IngressParameters\.k8s\.example\.com\/external-lb\s+\d+s$/m);
  const npTable = await ok(['get', 'networkpolicy']);
  assert.match(npTable, /^NAME\s+POD-SELECTOR\s+AGE$/m);
  assert.match(npTable, /^api-allow\s+app=api\s+\d+s$/m);

  const desc = await ok(['describe', 'ingress', 'web']);
  assert.match(desc, /Ingress Class:\s+nginx/);
  assert.match(desc, /shop-tls terminates shop\.example\.com/);
  assert.match(desc, /api\.example\.com\s*\n\s+\/v1\s+api:http/);
  const npDesc = await ok(['describe', 'networkpolicy', 'api-allow']);
  assert.match(npDesc, /PodSelector:\s+app=api/);
  assert.match(npDesc, /Except: 10\.0\.1\.0\/24/);
  assert.match(npDesc, /Policy Types: Ingress, Egress/);

  // The status subresource: an address appears in the ADDRESS column.
  await ok(['patch', 'ingress', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"}]}}}']);
  assert.match(await ok(['get', 'ingress', 'web']), /^web\s+nginx\s+\S+\s+192\.0\.2\.10\s+80, 443/m);
  // A spec change bumps the generation; the status stays.
  await ok(['annotate', 'ingress', 'web', 'note=x']);
  await ok(['patch', 'ingress', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/rules/0/http/paths/0/path","value":"/shop"}]']);
  const changed = await getJSON<Ingress>(['ingress', 'web']);
  assert.equal(changed.metadata.generation, 2);
  assert.equal(changed.status?.loadBalancer?.ingress?.[0].ip, '192.0.2.10');

  // kubectl create ingress (its own client-side builder) against the same API.
  await ok(['create', 'ingress', 'simple', '--rule=foo.com/bar*=svc1:8080']);
  const simple = await getJSON<Ingress>(['ingress', 'simple']);
  assert.equal(simple.spec?.rules?.[0].http?.paths[0].pathType, 'Prefix');
  assert.equal(simple.spec?.ingressClassName, 'nginx');
});

test('a bad Ingress and a bad NetworkPolicy get 422 in upstream words', async () => {
  const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bad
spec:
  rules:
  - host: 10.0.0.1
    http:
      paths:
      - path: /a
        backend:
          service:
            name: web
            port:
              number: 80
      - path: relative
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
          resource: {kind: Bucket, name: b}
`;
  const r = await kubectl(['apply', '-f', '-'], bad);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /The Ingress "bad" is invalid/);
  assert.match(r.stderr, /spec\.rules\[0\]\.host: Invalid value: "10\.0\.0\.1": must be a DNS name, not an IP address/);
  assert.match(r.stderr, /spec\.rules\[0\]\.http\.paths\[0\]\.pathType: Required value: pathType must be specified/);
  assert.match(r.stderr, /spec\.rules\[0\]\.http\.paths\[1\]\.path: Invalid value: "relative": must be an absolute path/);
  assert.match(r.stderr, /spec\.rules\[0\]\.http\.paths\[1\]\.backend: Invalid value: "": cannot set both resource and service backends/);

  const res = await fetch(`${api.url}/apis/networking.k8s.io/v1/namespaces/default/networkpolicies`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np-bad' }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/24', except: ['10.1.0.0/28'] } }, {}] }] } }),
  });
  assert.equal(res.status, 422);
  const st = (await res.json()) as Status;
  assert.equal(st.reason, 'Invalid');
  assert.equal(
    st.message,
    'NetworkPolicy.networking.k8s.io "np-bad" is invalid: [spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/28": must be a strict subset of `cidr`, spec.ingress[0].from[1]: Required value: must specify a peer]',
  );
});

test('system priority classes exist, cannot be deleted, and resolve pod priority', async () => {
  const pcs = await ok(['get', 'priorityclass']);
  assert.match(pcs, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/m);
  assert.match(pcs, /^system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority$/m);
  assert.match(pcs, /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/m);
  const del = await kubectl(['delete', 'priorityclass', 'system-node-critical']);
  assert.notEqual(del.code, 0);
  assert.match(del.stderr, /priorityclasses\.scheduling\.k8s\.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted/);

  await ok(['-n', 'kube-system', 'run', 'critical', '--image=busybox', '--restart=Never', '--overrides={"spec":{"priorityClassName":"system-cluster-critical"}}']);
  const pod = await getJSON<Pod>(['-n', 'kube-system', 'pod', 'critical']);
  assert.equal(pod.spec?.priority, 2000000000);
  assert.equal(pod.spec?.preemptionPolicy, 'PreemptLowerPriority');

  const unknown = await kubectl(['run', 'nope', '--image=busybox', '--restart=Never', '--overrides={"spec":{"priorityClassName":"gold"}}']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /pods "nope" is forbidden: no PriorityClass with name gold was found/);

  const plain = await ok(['run', 'plain', '--image=busybox', '--restart=Never']);
  assert.match(plain, /pod\/plain created/);
  assert.equal((await getJSON<Pod>(['pod', 'plain'])).spec?.priority, 0);
});

test('user classes: the value limit, one global default, immutable value, default applied to pods', async () => {
  const tooHigh = await kubectl(['create', 'priorityclass', 'huge', '--value=1000000001']);
  assert.notEqual(tooHigh.code, 0);
  assert.match(tooHigh.stderr, /PriorityClass\.scheduling\.k8s\.io "huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000/);
  const reserved = await kubectl(['create', 'priorityclass', 'system-mine', '--value=5']);
  assert.match(reserved.stderr, /metadata\.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only\. error: system-mine is not a known system priority class/);

  await ok(['create', 'priorityclass', 'low', '--value=100', '--global-default', '--preemption-policy=Never']);
  const second = await kubectl(['create', 'priorityclass', 'other', '--value=5', '--global-default']);
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /priorityclasses\.scheduling\.k8s\.io "other" is forbidden: PriorityClass low is already marked as default\. Only one default can exist/);
  const change = await kubectl(['patch', 'priorityclass', 'low', '--type=merge', '-p', '{"value":200}']);
  assert.match(change.stderr, /value: Forbidden: may not be changed in an update\./);

  await ok(['run', 'defaulted', '--image=busybox', '--restart=Never']);
  const pod = await getJSON<Pod>(['pod', 'defaulted']);
  assert.equal(pod.spec?.priorityClassName, 'low');
  assert.equal(pod.spec?.priority, 100);
  assert.equal(pod.spec?.preemptionPolicy, 'Never');
  const pc = await getJSON<PriorityClass>(['priorityclass', 'low']);
  assert.equal(pc.globalDefault, true);
  // A pod that sends a priority other than its class's is refused.
  const mismatch = await kubectl(['run', 'liar', '--image=busybox', '--restart=Never', '--overrides={"spec":{"priority":7}}']);
  assert.match(mismatch.stderr, /pods "liar" is forbidden: the integer value of priority \(7\) must not be provided in pod spec; priority admission controller computed 100 from the given PriorityClass name/);
  await ok(['delete', 'priorityclass', 'low']);
});
