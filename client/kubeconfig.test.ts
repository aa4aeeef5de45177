import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, stat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigPaths, loadKubeconfig, parseKubeconfig, renderKubeconfig, writeKubeconfig } from './kubeconfig.js';

const dirP = mkdtemp(join(tmpdir(), 'tkt-kcfg-'));
after(async () => rm(await dirP, { recursive: true, force: true }));

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('write then load round-trips server, token, CA and namespace', async () => {
  const dir = await dirP;
  const p = join(dir, 'sub', 'kubeconfig');
  await writeKubeconfig(p, { server: 'https://127.0.0.1:6443', token: 'abc', ca: PEM, namespace: 'team', name: 'local' });
  assert.equal((await stat(p)).mode & 0o777, 0o600);
  const c = loadKubeconfig({ path: p });
  assert.equal(c.server, 'https://127.0.0.1:6443');
  assert.equal(c.token, 'abc');
  assert.equal(c.ca?.toString(), PEM);
  assert.equal(c.namespace, 'team');
  assert.equal(c.context, 'local');
  const parsed = parseKubeconfig(renderKubeconfig({ server: 'http://x' }));
  assert.equal(parsed['current-context'], 'tskube');
  assert.equal(parsed.kind, 'Config');
});

test('kubectl-style file: contexts, client cert data, relative CA file, insecure flag', async () => {
  const dir = await dirP;
  await writeFile(join(dir, 'ca.crt'), PEM);
  const p = join(dir, 'kubectl-style');
  await writeFile(
    p,
    `apiVersion: v1
kind: Config
current-context: b
clusters:
- name: c1
  cluster:
    server: https://one:6443
    certificate-authority: ca.crt
- name: c2
  cluster:
    server: https://two:6443
    insecure-skip-tls-verify: true
users:
- name: u1
  user:
    client-certificate-data: ${Buffer.from('CERT').toString('base64')}
    client-key-data: ${Buffer.from('KEY').toString('base64')}
contexts:
- name: a
  context: {cluster: c1, user: u1}
- name: b
  context: {cluster: c2, user: u1, namespace: kube-system}
`,
  );
  const b = loadKubeconfig({ path: p });
  assert.equal(b.server, 'https://two:6443');
  assert.equal(b.insecureSkipTLSVerify, true);
  assert.equal(b.cert?.toString(), 'CERT');
  assert.equal(b.key?.toString(), 'KEY');
  assert.equal(b.namespace, 'kube-system');
  const a = loadKubeconfig({ path: p, context: 'a' });
  assert.equal(a.server, 'https://one:6443');
  assert.equal(a.ca?.toString(), PEM, 'relative CA path resolved against the file');
  assert.throws(() => loadKubeconfig({ path: p, context: 'nope' }), /context "nope" not found/);
});

test('search order: --kubeconfig, then $KUBECONFIG (merged, first wins), then ~/.kube/config', async () => {
  const dir = await dirP;
  const f1 = join(dir, 'k1');
  const f2 = join(dir, 'k2');
  await writeKubeconfig(f1, { server: 'http://first', name: 'one' });
  await writeFile(
    f2,
    renderKubeconfig({ server: 'http://second', name: 'two' }).replace('current-context: two', 'current-context: one'),
  );
  const env = { KUBECONFIG: `${join(dir, 'missing')}:${f2}:${f1}`, HOME: dir };
  assert.deepEqual(kubeconfigPaths({ env }), [join(dir, 'missing'), f2, f1]);
  // f2 sets current-context "one", which only f1 defines: merged, that resolves to f1's cluster.
  assert.equal(loadKubeconfig({ env }).server, 'http://first');
  assert.equal(loadKubeconfig({ env, path: f2, context: 'two' }).server, 'http://second');
  const home = join(dir, 'home');
  await mkdir(join(home, '.kube'), { recursive: true });
  await writeKubeconfig(join(home, '.kube', 'config'), { server: 'http://home' });
  assert.equal(loadKubeconfig({ env: { HOME: home } }).server, 'http://home');
  assert.throws(() => loadKubeconfig({ path: join(dir, 'absent') }), /no such file/);
});

test('malformed kubeconfig is a readable error', () => {
  assert.throws(() => parseKubeconfig('- a\n- b\n', 'x'), /not a kubeconfig/);
  assert.throws(() => parseKubeconfig('a: [', 'x'));
});
