// The API from pods, on an isolated `hyperkube up` cluster: a pod runs Debian's python3-kubernetes
// (the node's /usr mounted read-only into a busybox pod), load_incluster_config() finds the API
// at the `kubernetes` ClusterIP with the mounted token and CA, and lists its namespace's pods
// (its service account bound to `view` by a RoleBinding; one without a binding gets upstream's 403);
// TokenReview says the token is the service account's; automount off means no token; a forged,
// an expired and a deleted pod's token get 401; `kubectl create token` works; the pods' listener
// is bound to the bridge address only, guarded against traffic from elsewhere.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';
import { signServiceAccountToken, signingKeysFromPem, type ServiceAccountClaims } from '../apiserver/auth/sa-jwt.js';
import { gatewayOf, parseCIDR } from '../runtime/network/cidr.js';

const run = promisify(execFile);
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
let cl: IsolatedCluster;

const kubectl = async (args: string[], input?: string) => {
  const r = await cl.up.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const hostDir = (name: string, path: string) => ({ name, hostPath: { path, type: 'Directory' } });
/** Runs python3-kubernetes from the node's /usr in a busybox pod. */
const pythonPod = (name: string, script: string, serviceAccountName?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    restartPolicy: 'Never',
    ...(serviceAccountName ? { serviceAccountName } : {}),
    volumes: [hostDir('usr', '/usr'), hostDir('lib', '/usr/lib'), hostDir('lib64', '/usr/lib64')],
    containers: [{
      name: 'py', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['/usr/bin/python3', '-c', script],
      volumeMounts: [{ name: 'usr', mountPath: '/usr', readOnly: true }, { name: 'lib', mountPath: '/lib', readOnly: true }, { name: 'lib64', mountPath: '/lib64', readOnly: true }],
    }],
  },
});
const podFinished = (name: string) => eventually(`${name} pod finished`, async () => {
  const p = (await cl.up.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])).stdout;
  return p === 'Succeeded' || p === 'Failed' ? p : undefined;
}, 90_000, 500);
const PY = [
  'from kubernetes import client, config',
  'config.load_incluster_config()',
  `ns = open("${SA_DIR}/namespace").read()`,
  'pods = client.CoreV1Api().list_namespaced_pod(ns)',
  'print("PODS", ns, " ".join(sorted(p.metadata.name for p in pods.items)))',
].join('\n');

before(async () => {
  cl = await startIsolated('incluster');
  await eventually('default ServiceAccount and kube-root-ca.crt', async () => {
    const r = await cl.up.kubectl(['get', 'sa/default', 'cm/kube-root-ca.crt', '-o', 'name']);
    return r.code === 0 ? true : undefined;
  }, 30_000);
  // RBAC is on under `up`: the default service account reads its namespace through this binding
  // (view's rules come from the aggregation controller, so wait until they apply).
  await kubectl(['create', 'rolebinding', 'default-view', '--clusterrole=view', '--serviceaccount=default:default']);
  await eventually('default SA may list pods', async () => ((await cl.up.kubectl(['auth', 'can-i', 'list', 'pods', '--as=system:serviceaccount:default:default'])).stdout.trim() === 'yes' ? true : undefined), 30_000);
});
after(async () => {
  await cl?.teardown();
});

test('a pod lists its namespace with python3-kubernetes in-cluster config, as its service account', async () => {
  const holder = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'holder' }, spec: { containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] } };
  const py = pythonPod('py', PY);
  await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [holder, py] }));
  const phase = await podFinished('py');
  const logs = await kubectl(['logs', 'py']);
  assert.equal(phase, 'Succeeded', logs);
  assert.match(logs, /^PODS default holder py$/m);

  await kubectl(['wait', '--for=condition=Ready', 'pod/holder', '--timeout=60s']);
  const files = await kubectl(['exec', 'holder', '--', 'ls', SA_DIR]);
  assert.deepEqual(files.trim().split(/\s+/).sort(), ['ca.crt', 'namespace', 'token']);
  assert.equal((await kubectl(['exec', 'holder', '--', 'cat', `${SA_DIR}/ca.crt`])).trim(), readFileSync(join(cl.up.dataDir, 'pki', 'ca.crt'), 'utf8').trim());
  const token = (await kubectl(['exec', 'holder', '--', 'cat', `${SA_DIR}/token`])).trim();
  const claims = decodeJwt(token) as unknown as ServiceAccountClaims;
  assert.equal(claims.exp - claims.iat, 3607);
  assert.equal(claims['kubernetes.io'].pod?.name, 'holder');
  const review = JSON.parse(await kubectl(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }))) as { status: { authenticated: boolean; user: { username: string; groups: string[] } } };
  assert.equal(review.status.authenticated, true);
  assert.equal(review.status.user.username, 'system:serviceaccount:default:default');
  assert.ok(review.status.user.groups.includes('system:serviceaccounts:default'));
  // The token of a pod works until the pod is gone.
  assert.equal((await cl.up.kubectl(['--token', token, 'get', 'pods', '-o', 'name'])).code, 0);
  await kubectl(['delete', 'pod', 'holder', '--grace-period=1', '--wait=true', '--timeout=60s']);
  const dead = await cl.up.kubectl(['--token', token, 'get', 'pods']);
  assert.notEqual(dead.code, 0);
  assert.match(dead.stderr, /Unauthorized/);
});

test('a service account without a RoleBinding is refused its namespace\'s pods with upstream\'s 403', async () => {
  await kubectl(['create', 'serviceaccount', 'nobody']);
  const script = [
    'from kubernetes import client, config',
    'from kubernetes.client.rest import ApiException',
    'config.load_incluster_config()',
    'try:',
    '    client.CoreV1Api().list_namespaced_pod("default")',
    '    print("LISTED")',
    'except ApiException as e:',
    '    import json',
    '    print("STATUS", e.status, json.loads(e.body)["message"])',
  ].join('\n');
  await kubectl(['apply', '-f', '-'], JSON.stringify(pythonPod('py-nobody', script, 'nobody')));
  const phase = await podFinished('py-nobody');
  const logs = await kubectl(['logs', 'py-nobody']);
  assert.equal(phase, 'Succeeded', logs);
  assert.match(logs, /^STATUS 403 pods is forbidden: User "system:serviceaccount:default:nobody" cannot list resource "pods" in API group "" in the namespace "default"$/m);
});

test('automountServiceAccountToken: false leaves no token in the pod', async () => {
  await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'quiet' }, spec: { automountServiceAccountToken: false, restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', `ls ${SA_DIR} 2>&1; echo done`] }] } }));
  await eventually('quiet pod finished', async () => ((await cl.up.kubectl(['get', 'pod', 'quiet', '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded' ? true : undefined), 60_000, 500);
  const out = await kubectl(['logs', 'quiet']);
  assert.match(out, /No such file or directory/);
  assert.match(out, /done/);
});

test('kubectl create token; forged and expired tokens get 401', async () => {
  const token = (await kubectl(['create', 'token', 'default', '--duration=10m', '--audience=https://kubernetes.default.svc.cluster.local'])).trim();
  const c = decodeJwt(token) as unknown as ServiceAccountClaims;
  assert.equal(c.exp - c.iat, 600);
  assert.equal((await cl.up.kubectl(['--token', token, 'get', 'sa', 'default', '-o', 'name'])).stdout.trim(), 'serviceaccount/default');
  const short = await cl.up.kubectl(['create', 'token', 'default', '--duration=5m']);
  assert.notEqual(short.code, 0);
  assert.match(short.stderr, /may not specify a duration less than 10 minutes/);

  const real = signingKeysFromPem(readFileSync(join(cl.up.dataDir, 'pki', 'sa.key'), 'utf8'), []);
  const now = Math.floor(Date.now() / 1000);
  const expired = await signServiceAccountToken(real, { ...c, exp: now - 5, iat: now - 700, nbf: now - 700 });
  const forger = signingKeysFromPem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, []);
  const forged = await signServiceAccountToken(forger, { ...c, iat: now, nbf: now, exp: now + 600 });
  for (const bad of [expired, forged]) {
    const r = await cl.up.kubectl(['--token', bad, 'get', 'pods']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unauthorized/);
  }
});

test('the pods listener is on the bridge address only, guarded from other interfaces; the kubernetes endpoint is it', async () => {
  const gw = gatewayOf(parseCIDR(cl.flags.podCIDR));
  const port = cl.up.ports.api;
  const ep = await kubectl(['get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}']);
  assert.equal(ep, `${gw}:${port}`);
  const { stdout } = await run('ss', ['-Hltn', `sport = :${port}`]);
  const bound = stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[3]).sort();
  assert.deepEqual(bound, [`${gw}:${port}`, `127.0.0.1:${port}`].sort());
  const rules = (await run('iptables-save', ['-t', 'filter'])).stdout.split('\n');
  assert.ok(rules.some((l) => l.startsWith(`-A ${cl.flags.chains}-INPUT -d ${gw}/32 ! -i ${cl.flags.bridge}`) && l.includes('-j DROP')), 'the bridge address is dropped from elsewhere');
});
