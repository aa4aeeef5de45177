// Pod security as a user meets it on one isolated `hyperkube up`, through kubectl: the apiserver
// refusing a bad seccomp profile path, the kubelet refusing a root image under runAsNonRoot and an
// unsafe sysctl, fsGroup on an emptyDir, and `up`'s --seccomp-default (RuntimeDefault seccomp for a
// pod that names no profile).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../api/core.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;

async function kubectlRun(args: string[], input?: string): Promise<{ code: number; out: string }> {
  const r = await cl.up.kubectl(args, input);
  return { code: r.code, out: r.stdout + r.stderr };
}
const kubectl = (...args: string[]): Promise<string> => cl.up.kubectlOk(args);
const apply = (obj: object) => kubectlRun(['apply', '-f', '-'], JSON.stringify(obj));
const pod = (name: string, spec: object, container: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '1000'], ...container }], ...spec },
});
const getPod = async (name: string) => JSON.parse(await kubectl('get', 'pod', name, '-o', 'json')) as Pod;

before(async () => {
  cl = await startIsolated('podsec');
  await eventually('node Ready', async () => (/\sReady\s/.test(await kubectl('get', 'nodes')) ? true : undefined));
});

after(async () => {
  await cl?.teardown();
});

test('the apiserver refuses a Localhost seccomp profile outside the seccomp dir (422, upstream wording)', async () => {
  const r = await apply(pod('bad-seccomp', { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: '../../etc/shadow' } } }));
  assert.notEqual(r.code, 0);
  assert.match(r.out, /spec\.securityContext\.seccompProfile\.localhostProfile: Invalid value: "\.\.\/\.\.\/etc\/shadow": must not contain '\.\.'/);
});

test('runAsNonRoot on a root image: CreateContainerConfigError with the reason kubectl shows', async () => {
  assert.equal((await apply(pod('nonroot', { securityContext: { runAsNonRoot: true } }))).code, 0);
  const p = await eventually('nonroot refused', async () => {
    const x = await getPod('nonroot');
    return x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? x : undefined;
  }, 60_000);
  assert.equal(p.status?.containerStatuses?.[0].state?.waiting?.message, `container has runAsNonRoot and image will run as root (pod: "nonroot_default(${p.metadata.uid})", container: main)`);
  assert.match(await kubectl('get', 'pod', 'nonroot'), /CreateContainerConfigError/);
});

test('an unsafe sysctl: the pod is Failed with SysctlForbidden', async () => {
  assert.equal((await apply(pod('unsafe-sysctl', { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '65536' }] } }))).code, 0);
  const p = await eventually('unsafe-sysctl Failed', async () => {
    const x = await getPod('unsafe-sysctl');
    return x.status?.phase === 'Failed' ? x : undefined;
  }, 60_000);
  assert.equal(p.status?.reason, 'SysctlForbidden');
  assert.equal(p.status?.message, 'Pod was rejected: forbidden sysctl: "kernel.msgmax" not allowlisted');
});

test('fsGroup: the emptyDir is group-owned with setgid, the process has the group; RuntimeDefault seccomp by default', async () => {
  const spec = { securityContext: { runAsUser: 1000, fsGroup: 2000 }, volumes: [{ name: 'data', emptyDir: {} }] };
  assert.equal((await apply(pod('fsgroup', spec, { volumeMounts: [{ name: 'data', mountPath: '/data' }] }))).code, 0);
  await eventually('fsgroup Running', async () => ((await getPod('fsgroup')).status?.phase === 'Running' ? true : undefined), 60_000);
  assert.equal((await kubectl('exec', 'fsgroup', '--', 'stat', '-c', '%g %a', '/data')).trim(), '2000 2777');
  assert.match(await kubectl('exec', 'fsgroup', '--', 'id'), /uid=1000 .*groups=.*\b2000\b/);
  // `up` runs the kubelet with --seccomp-default.
  assert.match(await kubectl('exec', 'fsgroup', '--', 'grep', 'Seccomp:', '/proc/self/status'), /Seccomp:\s+2/);
});
