// RBAC as kubectl 1.32 meets it on a real apiserver (--authorization-mode=RBAC) on its own etcd:
// users from a token file, roles and bindings made with `kubectl create`, upstream's 403 words,
// `kubectl auth can-i` (and --list, --as), `kubectl auth whoami`, escalation prevention, 422s.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKubectl, writeKubeconfig, type KubectlResult } from '../testing/kubectl.js';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import { tokenFileAuthenticator } from './auth/token-file.js';
import { eventually } from '../testing/wait.js';
import { ensureCA, ensureServingCert } from '../cmd/pki.js';

let api: TestApi;
let dir: string;
let caPEM: string;
const ADMIN = 'admin-token-0123456789';
const JANE = 'jane-token-0123456789';
const BOB = 'bob-token-0123456789';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tkt-rbac-kubectl-'));
  const tokens = join(dir, 'tokens.csv');
  await writeFile(tokens, `${JANE},jane,uid-jane,"devs,testers"\n${BOB},bob,uid-bob\n`);
  // kubectl sends bearer tokens over HTTPS only.
  const ca = await ensureCA(join(dir, 'pki'));
  caPEM = await readFile(ca.certPath, 'utf8');
  const serving = await ensureServingCert(join(dir, 'pki'), 'apiserver', { ips: ['127.0.0.1'], dns: ['localhost'] });
  api = await startTestApi({ token: ADMIN, authenticators: [tokenFileAuthenticator(tokens)], authorizationMode: 'RBAC', tls: { cert: serving.cert, key: serving.key } });
  for (const [name, token] of [['admin', ADMIN], ['jane', JANE], ['bob', BOB]]) {
    await writeKubeconfig(join(dir, name), api.url, { token, ca: ca.certPath });
  }
});
after(async () => {
  await api?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One HTTPS request with a token; the body parsed. */
function call(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: { message: string; details: { causes: { field: string; message: string }[] } } }> {
  return new Promise((resolve, reject) => {
    const r = https.request(api.url + path, { method, ca: caPEM, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as never }));
    });
    r.on('error', reject);
    r.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function kubectl(as: string, args: string[], input?: string): Promise<KubectlResult> {
  return runKubectl(join(dir, as), args, { cacheDir: join(dir, `cache-${as}`), input });
}

async function ok(as: string, args: string[], input?: string): Promise<string> {
  const r = await kubectl(as, args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('the bootstrap policy is there, and the admin (system:masters) may do anything', async () => {
  const roles = await ok('admin', ['get', 'clusterroles', '-o', 'name']);
  for (const r of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node', 'system:kube-scheduler']) {
    assert.match(roles, new RegExp(`^clusterrole.rbac.authorization.k8s.io/${r}$`, 'm'));
  }
  const crb = JSON.parse(await ok('admin', ['get', 'clusterrolebinding', 'system:basic-user', '-o', 'json'])) as { subjects: { name: string }[]; metadata: { annotations: Record<string, string> } };
  assert.deepEqual(crb.subjects.map((s) => s.name), ['system:authenticated']);
  assert.equal(crb.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'], 'true');
  assert.equal((await ok('admin', ['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
  assert.match(await ok('admin', ['auth', 'whoami']), /Username\s+admin[\s\S]*system:masters/);
});

test('a user with no binding is refused with upstream 403 words; whoami and can-i work for them', async () => {
  const r = await kubectl('jane', ['get', 'pods']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/);
  const n = await kubectl('jane', ['get', 'nodes']);
  assert.match(n.stderr, /nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope/);
  const named = await kubectl('jane', ['get', 'deployment', 'web']);
  assert.match(named.stderr, /deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments" in API group "apps" in the namespace "default"/);
  assert.match(await ok('jane', ['auth', 'whoami']), /Username\s+jane[\s\S]*devs[\s\S]*system:authenticated/);
  const no = await kubectl('jane', ['auth', 'can-i', 'list', 'pods']);
  assert.equal(no.code, 1);
  assert.equal(no.stdout.trim(), 'no');
  // Non-resource paths: discovery yes, metrics no.
  const metrics = await call('GET', '/metrics', JANE);
  assert.equal(metrics.status, 403);
  assert.equal(metrics.body.message, 'forbidden: User "jane" cannot get path "/metrics"');
  const disco = await call('GET', '/apis', JANE);
  assert.equal(disco.status, 200);
});

test('a Role bound to a group grants just its rules; can-i --list shows them', async () => {
  await ok('admin', ['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods']);
  await ok('admin', ['create', 'rolebinding', 'devs-read', '--role=pod-reader', '--group=devs']);
  await eventually('rbac change seen', async () => (await kubectl('jane', ['get', 'pods'])).code === 0 || undefined, 5000);
  assert.equal((await ok('jane', ['auth', 'can-i', 'list', 'pods'])).trim(), 'yes');
  const del = await kubectl('jane', ['delete', 'pod', 'x']);
  assert.match(del.stderr, /pods "x" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace "default"/);
  const other = await kubectl('jane', ['get', 'pods', '-n', 'kube-system']);
  assert.match(other.stderr, /User "jane" cannot list resource "pods" in API group "" in the namespace "kube-system"/);
  const list = await ok('jane', ['auth', 'can-i', '--list']);
  assert.match(list, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  assert.match(list, /selfsubjectaccessreviews.authorization.k8s.io\s+\[\]\s+\[\]\s+\[create\]/);
  // bob is not in devs.
  assert.equal((await kubectl('bob', ['get', 'pods'])).code, 1);
});

test('--as: the admin impersonates; others may not', async () => {
  assert.equal((await ok('admin', ['auth', 'can-i', 'list', 'pods', '--as=jane', '--as-group=devs'])).trim(), 'yes');
  assert.equal((await kubectl('admin', ['auth', 'can-i', 'list', 'pods', '--as=bob'])).stdout.trim(), 'no');
  const r = await call('GET', '/api/v1/namespaces/default/pods', BOB, undefined, { 'impersonate-user': 'admin' });
  assert.equal(r.status, 403);
  assert.equal(r.body.message, 'users "admin" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
});

test('escalation: no granting what you do not hold, unless escalate/bind', async () => {
  // jane may manage roles and bindings in default, nothing else.
  await ok('admin', ['create', 'role', 'rbac-manager', '--verb=get,list,create,update,patch,delete', '--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io']);
  await ok('admin', ['create', 'rolebinding', 'jane-rbac', '--role=rbac-manager', '--user=jane']);
  await eventually('rbac change seen', async () => (await kubectl('jane', ['auth', 'can-i', 'create', 'roles'])).stdout.trim() === 'yes' || undefined, 5000);
  // Holding get/list/watch pods (via devs), she may grant exactly that...
  await ok('jane', ['create', 'role', 'pod-reader-2', '--verb=get,list', '--resource=pods']);
  // ...but not delete.
  const r = await kubectl('jane', ['create', 'role', 'pod-killer', '--verb=delete,get', '--resource=pods']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /roles.rbac.authorization.k8s.io "pod-killer" is forbidden: user "jane" \(groups=\["devs" "testers" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["delete"\]\}/);
  // Binding cluster-admin: refused; binding view-like pod-reader: allowed.
  const b = await kubectl('jane', ['create', 'rolebinding', 'bob-admin', '--clusterrole=cluster-admin', '--user=bob']);
  assert.match(b.stderr, /rolebindings.rbac.authorization.k8s.io "bob-admin" is forbidden: user "jane" .* is attempting to grant RBAC permissions not currently held/);
  await ok('jane', ['create', 'rolebinding', 'bob-read', '--role=pod-reader', '--user=bob']);
  // With `bind` on cluster-admin she may bind it.
  await ok('admin', ['create', 'role', 'binder', '--verb=bind', '--resource=clusterroles', '--resource-name=cluster-admin']);
  await ok('admin', ['create', 'rolebinding', 'jane-binder', '--role=binder', '--user=jane']);
  await eventually('rbac change seen', async () => ok('jane', ['create', 'rolebinding', 'bob-admin', '--clusterrole=cluster-admin', '--user=bob']), 5000);
});

test('malformed roles and bindings are 422 with upstream causes; roleRef is immutable', async () => {
  const res = await call('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', ADMIN, {
    metadata: { name: 'bad' },
    rules: [{ apiGroups: [''], resources: [] }, { verbs: ['get'], nonResourceURLs: ['/x'] }],
  });
  assert.equal(res.status, 422);
  const body = res.body;
  assert.deepEqual(body.details.causes.map((c) => `${c.field}: ${c.message}`), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
    'rules[0].resources: Required value: resource rules must supply at least one resource',
    'rules[1].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs',
  ]);
  const rb = await call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', ADMIN, {
    metadata: { name: 'bad' },
    roleRef: { kind: 'Role', name: 'x' },
    subjects: [{ kind: 'Robot', name: 'r' }, { kind: 'ServiceAccount', name: 'sa' }],
  });
  assert.equal(rb.status, 422);
  assert.deepEqual(rb.body.details.causes.map((c) => `${c.field}: ${c.message}`), [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    'subjects[1].namespace: Required value',
  ]);
  const patch = await kubectl('admin', ['patch', 'rolebinding', 'devs-read', '--type=merge', '-p', '{"roleRef":{"name":"other"}}']);
  assert.match(patch.stderr, /The RoleBinding "devs-read" is invalid: roleRef: Invalid value: rbac.RoleRef\{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"\}: cannot change roleRef/);
});

test('a binding to a missing role grants nothing and says so', async () => {
  await ok('admin', ['create', 'rolebinding', 'bob-ghost', '--clusterrole=ghost', '--user=bob', '-n', 'kube-public']);
  await eventually('rbac change seen', async () => {
    const r = await kubectl('bob', ['get', 'configmaps', '-n', 'kube-public']);
    assert.match(r.stderr, /User "bob" cannot list resource "configmaps" in API group "" in the namespace "kube-public": RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found/);
    return true;
  }, 5000);
});

test('chart-style RBAC manifests apply', async () => {
  const manifest = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: chart-reader
  labels: {app.kubernetes.io/name: chart}
rules:
- apiGroups: ["", "apps"]
  resources: ["pods", "deployments"]
  verbs: ["get", "list", "watch"]
- nonResourceURLs: ["/healthz/*"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: chart-reader
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: chart-reader}
subjects:
- {kind: ServiceAccount, name: chart, namespace: default}
- {kind: User, name: bob}
`;
  assert.match(await ok('admin', ['apply', '-f', '-'], manifest), /clusterrolebinding.rbac.authorization.k8s.io\/chart-reader created/);
  assert.match(await ok('admin', ['apply', '-f', '-'], manifest), /unchanged/);
  assert.match(await ok('admin', ['get', 'clusterrolebinding', 'chart-reader', '-o', 'wide']), /ClusterRole\/chart-reader\s+\S+\s+bob\s+default\/chart/);
  await eventually('rbac change seen', async () => (await kubectl('bob', ['auth', 'can-i', 'list', 'deployments.apps', '-A'])).stdout.trim() === 'yes' || undefined, 5000);
  // A service account's user is matched by its subject (the groups come from its authenticator).
  assert.equal((await ok('admin', ['auth', 'can-i', 'watch', 'pods', '--as=system:serviceaccount:default:chart'])).trim(), 'yes');
  assert.equal((await kubectl('admin', ['auth', 'can-i', 'watch', 'pods', '--as=system:serviceaccount:default:other'])).stdout.trim(), 'no');
});

test('Pod Security Admission: a restricted namespace refuses privileged and hostPath pods; warn prints kubectl\'s Warning', async () => {
  await ok('admin', ['create', 'namespace', 'locked']);
  await ok('admin', ['label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted']);
  const priv = await kubectl('admin', ['run', 'p', '-n', 'locked', '--image=busybox', '--overrides={"spec":{"containers":[{"name":"p","image":"busybox","securityContext":{"privileged":true}}]}}']);
  assert.notEqual(priv.code, 0);
  assert.match(priv.stderr, /pods "p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "p" must set securityContext.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "p" must set securityContext.capabilities.drop=\["ALL"\]\), privileged \(container "p" must not set securityContext.privileged=true\), runAsNonRoot != true/);
  const hostPath = `apiVersion: v1
kind: Pod
metadata: {name: hp, namespace: locked}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: busybox
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  volumes: [{name: host, hostPath: {path: /etc}}]
`;
  const hp = await kubectl('admin', ['apply', '-f', '-'], hostPath);
  assert.match(hp.stderr, /pods "hp" is forbidden: violates PodSecurity "restricted:latest": restricted volume types \(volume "host" uses restricted volume type "hostPath"\)/);
  assert.equal((await kubectl('admin', ['get', 'pod', 'hp', '-n', 'locked'])).code, 1, 'nothing was written');
  // A compliant pod is admitted.
  await ok('admin', ['apply', '-f', '-'], hostPath.replace(/ {2}volumes: .*\n/, ''));
  // warn=baseline in default: admitted, with the Warning kubectl prints.
  await ok('admin', ['label', 'namespace', 'default', 'pod-security.kubernetes.io/warn=baseline']);
  const warned = await kubectl('admin', ['run', 'w', '--image=busybox', '--overrides={"spec":{"hostNetwork":true,"containers":[{"name":"w","image":"busybox"}]}}']);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /Warning: would violate PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/);
  // Workloads only warn, even for the enforced level.
  const dep = await kubectl('admin', ['create', 'deployment', 'd', '-n', 'locked', '--image=busybox']);
  assert.equal(dep.code, 0, dep.stderr);
  assert.match(dep.stderr, /Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
});
