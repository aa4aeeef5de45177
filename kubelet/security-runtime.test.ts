// Pod security seen from inside the pod, end to end through kubelet and runtime: host and shared
// namespaces, seccomp (RuntimeDefault and a Localhost profile), sysctls, the memory limit under
// /sys/fs/cgroup, subPath resolved inside the volume. The kubelet half alone (what it hands the
// runtime) is tested in security.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import { cgroupPids } from '../testing/runtime-env.js';
import { L_CONTAINER_NAME, L_POD_UID } from './labels.js';
import { startKubeletTestEnv, testPod, waitFor, type KubeletTestEnv } from '../testing/kubelet-env.js';

let env: KubeletTestEnv;

before(async () => {
  env = await startKubeletTestEnv({ seccompDefault: false });
  const dir = join(env.root, 'kubelet', 'seccomp', 'profiles');
  mkdirSync(dir, { recursive: true });
  // Everything allowed but mkdir/mkdirat, which fail with EPERM.
  writeFileSync(join(dir, 'no-mkdir.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
});

after(async () => {
  if (!env) return;
  const { prefix } = env;
  await env.cleanup();
  assert.deepEqual(cgroupPids(prefix), []);
});

async function running(name: string): Promise<Pod> {
  let last: Pod | undefined;
  try {
    return await waitFor(`${name} Running`, async () => {
      last = await env.client.pods('default').get(name);
      return last.status?.phase === 'Running' ? last : false;
    }, 30_000);
  } catch (e) {
    console.error(`${name}: last status ${JSON.stringify(last?.status)}\nkubelet log:\n${env.logs.slice(-30).join('\n')}`);
    throw e;
  }
}
async function exec(pod: Pod, cmd: string[], container = 'main'): Promise<string> {
  const cs = await env.runtime.listContainers({ labelSelector: { [L_POD_UID]: pod.metadata.uid!, [L_CONTAINER_NAME]: container }, state: 'CONTAINER_RUNNING' });
  const r = await env.runtime.execSync(cs[0].id, cmd, 10);
  return (r.stdout.toString() + r.stderr.toString()).trim();
}
const create = (p: Pod) => env.client.pods('default').create(p);

test('hostPID and hostIPC: the pod is in the host\'s pid and ipc namespaces; a plain pod is not', async () => {
  const host = await create(testPod('hostns', env.nodeName, { hostPID: true, hostIPC: true }));
  const plain = await create(testPod('plainns', env.nodeName));
  await running('hostns');
  await running('plainns');
  assert.equal(await exec(host, ['readlink', '/proc/self/ns/pid']), readlinkSync('/proc/self/ns/pid'));
  assert.equal(await exec(host, ['readlink', '/proc/self/ns/ipc']), readlinkSync('/proc/self/ns/ipc'));
  assert.ok((await exec(host, ['sh', '-c', `test -d /proc/${process.pid} && echo visible`])) === 'visible', 'host processes visible');
  assert.notEqual(await exec(plain, ['readlink', '/proc/self/ns/pid']), readlinkSync('/proc/self/ns/pid'));
  assert.notEqual(await exec(plain, ['readlink', '/proc/self/ns/ipc']), readlinkSync('/proc/self/ns/ipc'));
});

test('shareProcessNamespace: containers see each other\'s processes; without it they do not', async () => {
  for (const [name, share] of [['shared', true], ['unshared', false]] as const) {
    const p = testPod(name, env.nodeName, { shareProcessNamespace: share });
    p.spec!.containers.push({ name: 'side', image: 'busybox', command: ['sleep', '4242'] });
    const created = await create(p);
    await running(name);
    const ps = await exec(created, ['ps', '-o', 'args']);
    assert.equal(/sleep 4242/.test(ps), share, `${name}: ${ps}`);
  }
});

test('seccomp: RuntimeDefault filters (Seccomp: 2), Unconfined does not, a Localhost profile is enforced', async () => {
  const p = testPod('seccomp', env.nodeName, { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } });
  p.spec!.containers.push({ name: 'free', image: 'busybox', command: ['sleep', '1000'], securityContext: { seccompProfile: { type: 'Unconfined' } } });
  p.spec!.containers.push({ name: 'local', image: 'busybox', command: ['sleep', '1000'], securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/no-mkdir.json' } } });
  const created = await create(p);
  await running('seccomp');
  assert.match(await exec(created, ['grep', 'Seccomp:', '/proc/self/status']), /Seccomp:\s+2/);
  assert.match(await exec(created, ['grep', 'Seccomp:', '/proc/self/status'], 'free'), /Seccomp:\s+0/);
  const denied = await exec(created, ['sh', '-c', 'mkdir /tmp/x; echo rc=$?'], 'local');
  assert.match(denied, /Operation not permitted/);
  assert.match(denied, /rc=1/);
  assert.match(await exec(created, ['sh', '-c', 'mkdir /tmp/x; echo rc=$?'], 'free'), /rc=0/);
});

test('sysctls are set inside the pod; the memory limit shows under /sys/fs/cgroup', async () => {
  const p = testPod('inside', env.nodeName, { securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '20000 30000' }] } });
  p.spec!.containers[0].resources = { limits: { memory: '64Mi' } };
  const created = await create(p);
  await running('inside');
  assert.equal((await exec(created, ['cat', '/proc/sys/net/ipv4/ip_local_port_range'])).replace(/\s+/g, ' '), '20000 30000');
  assert.equal(await exec(created, ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']), String(64 * 1024 * 1024));
});

test('subPath: resolved inside the volume; a symlink planted by a container cannot reach a host path', async () => {
  const p = testPod('subpath', env.nodeName, {
    volumes: [{ name: 'data', emptyDir: {} }],
    initContainers: [{ name: 'plant', image: 'busybox', command: ['sh', '-c', 'mkdir -p /data/a/b && echo hi > /data/a/b/file && ln -s /etc /data/evil'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
  });
  p.spec!.containers[0].volumeMounts = [
    { name: 'data', mountPath: '/sub', subPath: 'a/b' },
    { name: 'data', mountPath: '/evil', subPath: 'evil' },
  ];
  const created = await create(p);
  // Either the runtime refuses the escaping subPath, or it resolves /etc inside the volume; never the host's /etc.
  const st = await waitFor('subpath started or refused', async () => {
    const cur = await env.client.pods('default').get('subpath');
    const w = cur.status?.containerStatuses?.[0]?.state?.waiting?.reason;
    return cur.status?.phase === 'Running' || (w && w !== 'ContainerCreating' && w !== 'PodInitializing') ? cur : false;
  }, 30_000);
  if (st.status?.phase === 'Running') {
    assert.equal(await exec(created, ['cat', '/sub/file']), 'hi');
    assert.equal(await exec(created, ['sh', '-c', 'test -e /evil/passwd && echo host-etc || echo inside']), 'inside');
  } else assert.match(st.status!.containerStatuses![0].state!.waiting!.reason!, /CreateContainer(Config)?Error/);
});
