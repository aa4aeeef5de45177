// Who may do what, on one isolated `hyperkube up` (RBAC on) through the real kubectl: a user made
// by `hyperkube kubeconfig --user`, bound to `view` in one namespace, reads there and is refused
// (upstream's 403 words) writes, exec and other namespaces; `can-i --list`; `--as`; a revoked
// token is a 401; a restricted namespace refuses privileged and hostPath pods; warn warns;
// malformed roles are 422; a binding to a missing role grants nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;
let janeKubeconfig: string;

const HYPERKUBE = fileURLToPath(new URL('../cmd/hyperkube.js', import.meta.url));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    p.stdin!.on('error', () => {});
    p.stdin!.end(input ?? '');
  });
}
const admin = (args: string[], input?: string) => run('/usr/bin/kubectl', args, { ...process.env, KUBECONFIG: cl.up.kubeconfig }, input);
const jane = (args: string[], input?: string) => run('/usr/bin/kubectl', args, { ...process.env, KUBECONFIG: janeKubeconfig }, input);
async function ok(r: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> {
  const x = await r;
  assert.equal(x.code, 0, x.stderr);
  return x.stdout;
}

before(async () => {
  cl = await startIsolated('rbac');
  const made = await run(process.execPath, [HYPERKUBE, 'kubeconfig', '--user', 'jane', '--group', 'qa', '--namespace', 'team', '--data-dir', cl.up.dataDir], process.env);
  assert.equal(made.code, 0, made.stderr);
  janeKubeconfig = join(cl.up.dataDir, 'jane.kubeconfig');
  await writeFile(janeKubeconfig, made.stdout, { mode: 0o600 });
  await ok(admin(['create', 'namespace', 'team']));
  await ok(admin(['create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane', '-n', 'team']));
  await ok(admin(['run', 'sleeper', '-n', 'team', '--image=busybox', '--restart=Never', '--', 'sleep', '3600']));
});

after(async () => {
  await cl?.teardown();
});

test('a user bound to view reads pods in its namespace, and is refused the rest with upstream words', async () => {
  // view's rules come from the aggregation controller.
  await eventually('jane lists pods', async () => ((await jane(['get', 'pods'])).stdout.includes('sleeper') ? true : undefined), 30_000);
  assert.match(await ok(jane(['auth', 'whoami'])), /Username\s+jane[\s\S]*qa/);
  const del = await jane(['delete', 'pod', 'sleeper']);
  assert.match(del.stderr, /pods "sleeper" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace "team"/);
  const exec = await jane(['exec', 'sleeper', '--', 'true']);
  assert.match(exec.stderr, /pods "sleeper" is forbidden: User "jane" cannot create resource "pods\/exec" in API group "" in the namespace "team"/);
  const other = await jane(['get', 'pods', '-n', 'default']);
  assert.match(other.stderr, /pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/);
  const secrets = await jane(['get', 'secrets']);
  assert.match(secrets.stderr, /secrets is forbidden: User "jane" cannot list resource "secrets"/);
  const list = await ok(jane(['auth', 'can-i', '--list']));
  assert.match(list, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  assert.match(list, /^deployments.apps\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
});

test('--as works for the admin; a bare user may not impersonate', async () => {
  assert.equal((await ok(admin(['auth', 'can-i', 'list', 'pods', '-n', 'team', '--as=jane']))).trim(), 'yes');
  assert.equal((await admin(['auth', 'can-i', 'create', 'pods', '-n', 'team', '--as=jane'])).stdout.trim(), 'no');
  const r = await jane(['auth', 'can-i', 'list', 'pods', '--as=admin']);
  assert.notEqual(r.code, 0);
});

test('malformed roles are 422; a binding to a missing role grants nothing', async () => {
  const bad = await admin(['create', '-f', '-'], 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: bad, namespace: team}\nrules: [{apiGroups: [""], resources: [pods]}]\n');
  assert.match(bad.stderr, /The Role "bad" is invalid: rules\[0\].verbs: Required value: verbs must contain at least one value/);
  await ok(admin(['create', 'rolebinding', 'ghost', '--clusterrole=no-such-role', '--user=jane', '-n', 'default']));
  await new Promise((r) => setTimeout(r, 500));
  const r = await jane(['get', 'pods', '-n', 'default']);
  assert.match(r.stderr, /cannot list resource "pods" in API group "" in the namespace "default": RBAC: clusterrole.rbac.authorization.k8s.io "no-such-role" not found/);
});

test('Pod Security: a restricted namespace refuses a privileged and a hostPath pod; warn prints the Warning', async () => {
  await ok(admin(['label', 'namespace', 'team', 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']));
  const priv = await admin(['run', 'priv', '-n', 'team', '--image=busybox', '--overrides={"spec":{"containers":[{"name":"priv","image":"busybox","securityContext":{"privileged":true}}]}}']);
  assert.match(priv.stderr, /pods "priv" is forbidden: violates PodSecurity "restricted:latest": .*privileged \(container "priv" must not set securityContext.privileged=true\)/);
  const hp = await admin(['run', 'hp', '-n', 'team', '--image=busybox', '--overrides={"spec":{"volumes":[{"name":"h","hostPath":{"path":"/"}}],"containers":[{"name":"hp","image":"busybox"}]}}']);
  assert.match(hp.stderr, /pods "hp" is forbidden: violates PodSecurity "restricted:latest": .*restricted volume types \(volume "h" uses restricted volume type "hostPath"\)/);
  await ok(admin(['label', 'namespace', 'default', 'pod-security.kubernetes.io/warn=baseline']));
  const warned = await admin(['run', 'hostnet', '--image=busybox', '--restart=Never', '--overrides={"spec":{"hostNetwork":true,"containers":[{"name":"hostnet","image":"busybox","command":["true"]}]}}']);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /Warning: would violate PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/);
});

test('a revoked token is refused with 401', async () => {
  const r = await run(process.execPath, [HYPERKUBE, 'kubeconfig', '--revoke', 'jane', '--data-dir', cl.up.dataDir], process.env);
  assert.equal(r.code, 0, r.stderr);
  await eventually('jane refused', async () => {
    const x = await jane(['get', 'pods']);
    return /Unauthorized|You must be logged in/.test(x.stderr) ? true : undefined;
  }, 10_000);
});
