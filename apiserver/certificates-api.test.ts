// certificates.k8s.io/v1 CertificateSigningRequests on a real apiserver (RBAC) on its own etcd,
// with kubectl 1.32: the requester recorded by the apiserver, `kubectl get csr`, `kubectl
// certificate approve|deny` and the `approve` verb on signers, what /status and /approval may
// change, and upstream's 422/400 words for bad requests (nothing written).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKubectl, writeKubeconfig, type KubectlResult } from '../testing/kubectl.js';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import { tokenFileAuthenticator } from './auth/token-file.js';
import { ensureCA, ensureClientCert, ensureServingCert } from '../cmd/pki.js';
import { buildCSR } from '../api/x509-build.js';
import { eventually } from '../testing/wait.js';

let api: TestApi;
let dir: string;
let caPEM: string;
const ADMIN = 'admin-token-0123456789';
const BOOT = 'boot-token-0123456789';
const APPROVER = 'approver-token-0123456789';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const key = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const nodeCSR = (node: string) => b64(buildCSR(key(), { commonName: `system:node:${node}`, organization: ['system:nodes'] }));
const csrObject = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request: nodeCSR('n1'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], ...extra },
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tkt-csr-api-'));
  const tokens = join(dir, 'tokens.csv');
  await writeFile(tokens, `${BOOT},system:bootstrap:abcdef,,"system:bootstrappers"\n${APPROVER},approver,uid-a\n`);
  const ca = await ensureCA(join(dir, 'pki'));
  caPEM = await readFile(ca.certPath, 'utf8');
  const serving = await ensureServingCert(join(dir, 'pki'), 'apiserver', { ips: ['127.0.0.1'], dns: ['localhost'] });
  api = await startTestApi({ token: ADMIN, authenticators: [tokenFileAuthenticator(tokens)], authorizationMode: 'RBAC', tls: { cert: serving.cert, key: serving.key }, clientCA: caPEM });
  for (const [name, token] of [['admin', ADMIN], ['boot', BOOT], ['approver', APPROVER]]) {
    await writeKubeconfig(join(dir, name), api.url, { token, ca: ca.certPath });
  }
});
after(async () => {
  await api?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Reply { status: number; body: { message?: string; reason?: string; spec?: Record<string, unknown>; status?: { conditions?: { type: string; reason?: string; lastUpdateTime?: string }[]; certificate?: string }; details?: { causes?: { field: string; message: string }[] } } }

function call(method: string, path: string, token: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const ct = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    const r = https.request(api.url + path, { method, ca: caPEM, headers: { authorization: `Bearer ${token}`, 'content-type': ct } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as Reply['body'] }));
    });
    r.on('error', reject);
    r.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function kubectl(as: string, args: string[], input?: string): Promise<KubectlResult> {
  return runKubectl(join(dir, as), args, { cacheDir: join(dir, `cache-${as}`), input });
}

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

test('a bootstrapper (bound to system:node-bootstrapper) creates a CSR; the apiserver records who asked, whatever was sent', async () => {
  const denied = await call('POST', CSRS, BOOT, csrObject('early'));
  assert.equal(denied.status, 403, 'no binding yet');
  const bind = await kubectl('admin', ['create', 'clusterrolebinding', 'boot-csr', '--clusterrole=system:node-bootstrapper', '--group=system:bootstrappers']);
  assert.equal(bind.code, 0, bind.stderr);
  const sent = csrObject('c1', { username: 'admin', groups: ['system:masters'], uid: 'forged' });
  const created = await eventually('bootstrapper may create', async () => {
    const r = await call('POST', CSRS, BOOT, { ...sent, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
    return r.status === 201 ? r : undefined;
  }, 5000);
  assert.equal(created.body.spec?.username, 'system:bootstrap:abcdef');
  assert.deepEqual(created.body.spec?.groups, ['system:bootstrappers', 'system:authenticated']);
  assert.equal(created.body.spec?.uid, undefined);
  assert.equal(created.body.status, undefined, 'status cleared on create');
  const get = await kubectl('admin', ['get', 'csr']);
  assert.equal(get.code, 0, get.stderr);
  assert.match(get.stdout, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\n/);
  assert.match(get.stdout, /^c1\s+\S+\s+kubernetes.io\/kube-apiserver-client-kubelet\s+system:bootstrap:abcdef\s+<none>\s+Pending$/m);
});

test('bad CSRs get 422 (or 400 for non-base64 bytes) in upstream words, and nothing is written', async () => {
  const cases: [Record<string, unknown>, number, RegExp][] = [
    [{ request: b64('not a pem') }, 422, /spec\.request: Invalid value: \[\]byte\{0x6e, 0x6f, 0x74, .*\}: PEM block type must be CERTIFICATE REQUEST/],
    [{ usages: [] }, 422, /spec\.usages: Required value/],
    [{ usages: ['client auth', 'client auth'] }, 422, /spec\.usages\[1\]: Duplicate value: "client auth"/],
    [{ usages: ['flying'] }, 422, /spec\.usages\[0\]: Unsupported value: "flying": supported values: "any", "cert sign"/],
    [{ signerName: 'noslash' }, 422, /spec\.signerName: Invalid value: "noslash": must be a fully qualified domain and path of the form 'example.com\/signer-name'/],
    [{ signerName: 'kubernetes.io/legacy-unknown' }, 422, /the legacy signerName is not allowed via this API version/],
    [{ expirationSeconds: 10 }, 422, /spec\.expirationSeconds: Invalid value: 10: may not specify a duration less than 600 seconds \(10 minutes\)/],
    [{ request: '!!notbase64' }, 400, /illegal base64 data at input byte 0/],
  ];
  for (const [extra, code, msg] of cases) {
    const r = await call('POST', CSRS, ADMIN, csrObject('bad', extra));
    assert.equal(r.status, code, JSON.stringify(r.body));
    assert.match(r.body.message ?? '', msg);
  }
  // A signature that does not verify.
  const pem = buildCSR(key(), { commonName: 'x' });
  const der = Buffer.from(pem.split('\n').filter((l) => l && !l.startsWith('-----')).join(''), 'base64');
  der[der.length - 30] ^= 0xff;
  const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  const r = await call('POST', CSRS, ADMIN, csrObject('bad', { request: b64(forged) }));
  assert.equal(r.status, 422);
  assert.match(r.body.message ?? '', /x509: ECDSA verification failure/);
  // The kube-apiserver-client signer never signs for system:masters.
  const masters = await call('POST', CSRS, ADMIN, csrObject('bad', { signerName: 'kubernetes.io/kube-apiserver-client', request: b64(buildCSR(key(), { commonName: 'x', organization: ['system:masters'] })) }));
  assert.equal(masters.status, 403);
  assert.equal(masters.body.message, 'certificatesigningrequests.certificates.k8s.io "bad" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  assert.equal((await call('GET', `${CSRS}/bad`, ADMIN)).status, 404);
});

test('approving needs update on /approval and `approve` on the signer; kubectl certificate approve and deny', async () => {
  const noRbac = await kubectl('approver', ['certificate', 'approve', 'c1']);
  assert.notEqual(noRbac.code, 0);
  assert.match(noRbac.stderr, /cannot get resource "certificatesigningrequests"/);
  for (const args of [
    ['create', 'clusterrole', 'csr-approval', '--verb=get,list,update', '--resource=certificatesigningrequests,certificatesigningrequests/approval'],
    ['create', 'clusterrolebinding', 'approver-csr', '--clusterrole=csr-approval', '--user=approver'],
  ]) assert.equal((await kubectl('admin', args)).code, 0);
  const noSigner = await eventually('approver may update approval', async () => {
    const r = await kubectl('approver', ['certificate', 'approve', 'c1']);
    return /not permitted/.test(r.stderr) ? r : undefined;
  }, 5000);
  assert.match(noSigner.stderr, /certificatesigningrequests.certificates.k8s.io "c1" is forbidden: user not permitted to approve requests with signerName "kubernetes.io\/kube-apiserver-client-kubelet"/);
  assert.equal((await kubectl('admin', ['create', 'clusterrolebinding', 'approver-signer', '--clusterrole=system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', '--user=approver'])).code, 0);
  const ok = await eventually('approved', async () => {
    const r = await kubectl('approver', ['certificate', 'approve', 'c1']);
    return r.code === 0 ? r : undefined;
  }, 5000);
  assert.match(ok.stdout, /certificatesigningrequest.certificates.k8s.io\/c1 approved/);
  const got = await call('GET', `${CSRS}/c1`, ADMIN);
  const cond = got.body.status?.conditions?.[0];
  assert.equal(cond?.type, 'Approved');
  assert.equal(cond?.reason, 'KubectlApprove');
  assert.ok(cond?.lastUpdateTime);
  assert.match((await kubectl('admin', ['get', 'csr', 'c1'])).stdout, /c1\s+.*\s+Approved$/m);

  assert.equal((await call('POST', CSRS, ADMIN, csrObject('c2'))).status, 201);
  const deny = await kubectl('admin', ['certificate', 'deny', 'c2']);
  assert.equal(deny.code, 0, deny.stderr);
  assert.match((await kubectl('admin', ['get', 'csr', 'c2'])).stdout, /c2\s+.*\s+Denied$/m);
});

test('what each path may change: spec never, approval only through /approval, the certificate only through /status and once', async () => {
  const spec = await call('PATCH', `${CSRS}/c1`, ADMIN, { spec: { signerName: 'example.com/other' }, status: { certificate: '' } });
  assert.equal(spec.status, 200, JSON.stringify(spec.body));
  assert.equal(spec.body.spec?.signerName, 'kubernetes.io/kube-apiserver-client-kubelet', 'spec kept');
  // /status cannot drop or add approval conditions: they stay as stored.
  const viaStatus = await call('PATCH', `${CSRS}/c2/status`, ADMIN, { status: { conditions: [{ type: 'Approved', status: 'True' }] } });
  assert.equal(viaStatus.status, 200);
  assert.deepEqual(viaStatus.body.status?.conditions?.map((c) => c.type), ['Denied']);
  // Removing a condition through /approval is refused.
  const remove = await call('PATCH', `${CSRS}/c1/approval`, ADMIN, { status: { conditions: [] } });
  assert.equal(remove.status, 422);
  assert.match(remove.body.message ?? '', /status.conditions: Forbidden: updates may not remove a condition of type "Approved"/);
  const both = await call('PATCH', `${CSRS}/c1/approval`, ADMIN, { status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } });
  assert.equal(both.status, 422);
  assert.match(both.body.message ?? '', /Approved and Denied conditions are mutually exclusive/);
  // The certificate: only a real certificate, set once.
  const junk = await call('PATCH', `${CSRS}/c1/status`, ADMIN, { status: { certificate: b64('junk') } });
  assert.equal(junk.status, 422);
  assert.match(junk.body.message ?? '', /status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block/);
  const set = await call('PATCH', `${CSRS}/c1/status`, ADMIN, { status: { certificate: b64(caPEM) } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.match((await kubectl('admin', ['get', 'csr', 'c1'])).stdout, /Approved,Issued$/m);
  const again = await call('PATCH', `${CSRS}/c1/status`, ADMIN, { status: { certificate: b64(caPEM + caPEM) } });
  assert.equal(again.status, 422);
  assert.match(again.body.message ?? '', /updates may not modify existing certificate content/);
  // Signing needs `sign` on the signer: the approver has update on /approval only, and no sign.
  const notSigner = await call('PUT', `${CSRS}/c2/status`, APPROVER, {});
  assert.equal(notSigner.status, 403);
});

test('x509 client certificates of the client CA authenticate: CN the user, O the groups; a serving-only one does not', async () => {
  const pki = join(dir, 'pki');
  const client = await ensureClientCert(pki, 'node9', 'system:node:n9', 'system:nodes');
  const serving = await ensureServingCert(pki, 'srv', { ips: ['127.0.0.1'], dns: [] });
  const whoami = (cert: string, key: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const r = https.request(`${api.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { method: 'POST', ca: caPEM, cert, key, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    r.on('error', reject);
    r.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
  });
  const ok = await whoami(client.cert, client.key);
  assert.equal(ok.status, 201, ok.body);
  assert.deepEqual((JSON.parse(ok.body) as { status: { userInfo: unknown } }).status.userInfo, { username: 'system:node:n9', groups: ['system:nodes', 'system:authenticated'] });
  const no = await whoami(serving.cert, serving.key);
  assert.equal(no.status, 401, no.body);
});

test('hostile bodies get 4xx, never 500', async () => {
  const bodies: unknown[] = [
    { ...csrObject('h'), spec: 'x' },
    { ...csrObject('h'), spec: null },
    { ...csrObject('h'), spec: { ...csrObject('h').spec, usages: 'client auth' } },
    { ...csrObject('h'), spec: { ...csrObject('h').spec, request: 5 } },
    { ...csrObject('h'), spec: { ...csrObject('h').spec, expirationSeconds: 1e300 } },
    { ...csrObject('h'), spec: { ...csrObject('h').spec, signerName: 7 } },
    JSON.parse('{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"h"},"spec":{"__proto__":{"x":1},"signerName":"a.b/c","usages":["client auth"],"request":""}}'),
  ];
  for (const b of bodies) {
    const r = await call('POST', CSRS, ADMIN, b);
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${JSON.stringify(r.body)} for ${JSON.stringify(b)}`);
  }
  for (const [path, body] of [['c2/status', { status: 'x' }], ['c2/approval', { status: { conditions: [null] } }], ['c2/approval', { status: { conditions: 'x' } }], ['c2', { spec: 'x' }]] as const) {
    const r = await call('PATCH', `${CSRS}/${path}`, ADMIN, body);
    assert.ok(r.status < 500, `${r.status} ${JSON.stringify(r.body)} for ${path}`);
  }
});
