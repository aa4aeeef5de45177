// Pod security on a real kubelet + apiserver + runtime: runAsNonRoot refusing a root image,
// runAsUser/runAsGroup/fsGroup in the process and on an emptyDir, unsafe sysctls refused at
// admission, the pod pids limit on the pod's cgroup, and the security config the kubelet hands
// the runtime (recorded on the way in: the real runtime still runs everything).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import type { ContainerConfig, PodSandboxConfig } from '../runtime/cri.js';
import { cgroupPids } from '../testing/runtime-env.js';
import { L_CONTAINER_NAME, L_POD_UID } from './labels.js';
import { startKubeletTestEnv, testPod, waitFor, type KubeletTestEnv } from '../testing/kubelet-env.js';

let env: KubeletTestEnv;
const sandboxes: PodSandboxConfig[] = [];
const containers: ContainerConfig[] = [];
const PIDS_LIMIT = 12;

before(async () => {
  env = await startKubeletTestEnv(
    { seccompDefault: true, podPidsLimit: PIDS_LIMIT, allowedUnsafeSysctls: ['kernel.msgmax'] },
    {
      wrapRuntime: (rt) =>
        new Proxy(rt, {
          get(t, k) {
            if (k === 'runPodSandbox') return (c: PodSandboxConfig) => (sandboxes.push(structuredClone(c)), t.runPodSandbox(c));
            if (k === 'createContainer') return (id: string, c: ContainerConfig, sb: PodSandboxConfig) => (containers.push(structuredClone(c)), t.createContainer(id, c, sb));
            const v: unknown = Reflect.get(t, k);
            return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(t) : v;
          },
        }),
    },
  );
});

after(async () => {
  if (!env) return;
  const { prefix } = env;
  await env.cleanup();
  assert.deepEqual(cgroupPids(prefix), []);
});

const getPod = (name: string) => env.client.pods('default').get(name);
async function waitStatus(name: string, what: string, ok: (p: Pod) => boolean, timeoutMs = 30_000): Promise<Pod> {
  let last: Pod | undefined;
  try {
    return await waitFor(`${name} ${what}`, async () => {
      last = await getPod(name);
      return ok(last) ? last : false;
    }, timeoutMs);
  } catch (e) {
    console.error(`${name}: last status ${JSON.stringify(last?.status)}\nkubelet log:\n${env.logs.slice(-30).join('\n')}`);
    throw e;
  }
}
const running = (name: string) => waitStatus(name, 'Running', (p) => p.status?.phase === 'Running');
async function exec(pod: Pod, cmd: string[], container?: string): Promise<string> {
  const cs = await env.runtime.listContainers({ labelSelector: { [L_POD_UID]: pod.metadata.uid!, ...(container ? { [L_CONTAINER_NAME]: container } : {}) }, state: 'CONTAINER_RUNNING' });
  const r = await env.runtime.execSync(cs[0].id, cmd, 10);
  return r.stdout.toString() + r.stderr.toString();
}

test('runAsNonRoot: a root image is refused with CreateContainerConfigError and upstream\'s message; runAsUser 1000 runs', async () => {
  const created = await env.client.pods('default').create(testPod('nonroot', env.nodeName, { securityContext: { runAsNonRoot: true } }));
  const p = await waitStatus('nonroot', 'CreateContainerConfigError', (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError');
  assert.equal(p.status!.containerStatuses![0].state!.waiting!.message, `container has runAsNonRoot and image will run as root (pod: "nonroot_default(${created.metadata.uid})", container: main)`);
  assert.equal(p.status!.phase, 'Pending');
  // Nothing was created in the runtime for it.
  assert.deepEqual(await env.runtime.listContainers({ labelSelector: { [L_POD_UID]: created.metadata.uid! } }), []);

  const ok = await env.client.pods('default').create(testPod('nonroot-1000', env.nodeName, { securityContext: { runAsNonRoot: true, runAsUser: 1000 } }));
  await running('nonroot-1000');
  assert.equal((await exec(ok, ['id', '-u'])).trim(), '1000');
});

test('runAsUser/runAsGroup/fsGroup: the process ids and groups, and the emptyDir owned by fsGroup with setgid', async () => {
  await env.client.configMaps('default').create({ metadata: { name: 'fsg-cm' }, data: { secret: 'only the group may read' } });
  const pod = testPod('fsgroup', env.nodeName, {
    securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] },
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'cm', configMap: { name: 'fsg-cm', defaultMode: 0o400 } }],
  });
  pod.spec!.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }, { name: 'cm', mountPath: '/cm' }];
  const created = await env.client.pods('default').create(pod);
  await running('fsgroup');
  const id = (await exec(created, ['id'])).trim();
  assert.match(id, /^uid=1000 gid=3000 groups=/, id);
  assert.match(id, /\b2000\b/, `fsGroup among the groups: ${id}`);
  assert.match(id, /\b4000\b/, `supplementalGroups among the groups: ${id}`);
  assert.equal((await exec(created, ['stat', '-c', '%g %a', '/data'])).trim(), '2000 2777');
  // A file the pod creates inherits the group (setgid directory).
  assert.equal((await exec(created, ['sh', '-c', 'touch /data/f && stat -c %g /data/f'])).trim(), '2000');
  // A read-only volume: group-owned with g+r, so the non-root process reads a 0400 key through fsGroup.
  assert.equal((await exec(created, ['stat', '-L', '-c', '%g %a', '/cm/secret'])).trim(), '2000 440');
  assert.equal((await exec(created, ['cat', '/cm/secret'])).trim(), 'only the group may read');
});

test('an unsafe sysctl is refused at admission: the pod ends Failed with SysctlForbidden; an allowed one is not', async () => {
  await env.client.pods('default').create(testPod('sysctl-bad', env.nodeName, { securityContext: { sysctls: [{ name: 'kernel.sem', value: '250 32000 32 128' }] } }));
  const p = await waitStatus('sysctl-bad', 'Failed', (x) => x.status?.phase === 'Failed');
  assert.equal(p.status!.reason, 'SysctlForbidden');
  assert.equal(p.status!.message, 'Pod was rejected: forbidden sysctl: "kernel.sem" not allowlisted');
  const events = await env.client.events('default').list();
  assert.ok(events.items.some((e) => e.involvedObject?.name === 'sysctl-bad' && e.reason === 'SysctlForbidden'));

  // Safe, plus one allowed by --allowed-unsafe-sysctls: admitted and handed to the runtime.
  await env.client.pods('default').create(testPod('sysctl-ok', env.nodeName, { securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '20000 30000' }, { name: 'kernel.msgmax', value: '9000' }] } }));
  await running('sysctl-ok');
  const sb = sandboxes.find((s) => s.metadata.name === 'sysctl-ok');
  assert.deepEqual(sb?.sysctls, { 'net.ipv4.ip_local_port_range': '20000 30000', 'kernel.msgmax': '9000' });
});

test('the sandbox and container configs carry hostPID/shareProcessNamespace/seccomp/pids limit/subPath; the pids limit holds', async () => {
  const pod = testPod('handed', env.nodeName, {
    shareProcessNamespace: true,
    securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
    volumes: [{ name: 'data', emptyDir: {} }],
    command: ['sh', '-c', 'sleep 1000'],
  });
  pod.spec!.containers[0].volumeMounts = [{ name: 'data', mountPath: '/sub', subPathExpr: 'by-pod/$(POD_NAME)' }];
  pod.spec!.containers[0].env = [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
  pod.spec!.containers.push({ name: 'side', image: 'busybox', command: ['sleep', '1000'], securityContext: { seccompProfile: { type: 'Unconfined' } } });
  const created = await env.client.pods('default').create(pod);
  await running('handed');
  const sb = sandboxes.find((s) => s.metadata.name === 'handed')!;
  assert.equal(sb.shareProcessNamespace, true);
  assert.equal(sb.hostPID, false);
  assert.equal(sb.resources?.pidsLimit, PIDS_LIMIT);
  const main = containers.find((c) => c.labels?.[L_POD_UID] === created.metadata.uid && c.metadata.name === 'main')!;
  const side = containers.find((c) => c.labels?.[L_POD_UID] === created.metadata.uid && c.metadata.name === 'side')!;
  assert.deepEqual(main.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
  assert.deepEqual(side.securityContext?.seccompProfile, { type: 'Unconfined' });
  const m = main.mounts!.find((x) => x.containerPath === '/sub')!;
  assert.equal(m.subPath, 'by-pod/handed');
  assert.match(m.hostPath, /kubernetes\.io~empty-dir\/data$/);

  // The pod's cgroup has pids.max = --pod-pids-limit, and a pod cannot start more than that.
  const pidsRoot = join('/sys/fs/cgroup/pids', env.prefix);
  const limits: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) {
      limits.push(readFileSync(join(d, e.name, 'pids.max'), 'utf8').trim());
      walk(join(d, e.name));
    }
  };
  walk(pidsRoot);
  assert.ok(limits.includes(String(PIDS_LIMIT)), `a pod cgroup with pids.max ${PIDS_LIMIT}: ${limits.join(',')}`);
  // Bounded: 20 sleeps of 20 s at most, in a pod limited to 12 tasks.
  const out = await exec(created, ['sh', '-c', 'for i in $(seq 1 20); do sleep 20 </dev/null >/dev/null 2>&1 & done; echo started'], 'side');
  assert.match(out, /can't fork|Resource temporarily unavailable|fork/i, out);
});

test('a Localhost seccomp profile that does not exist: CreateContainerError', async () => {
  await env.client.pods('default').create(testPod('seccomp-missing', env.nodeName, { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/none.json' } } }));
  const p = await waitStatus('seccomp-missing', 'CreateContainerError', (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerError');
  const file = join(env.root, 'kubelet', 'seccomp', 'profiles/none.json');
  assert.equal(p.status!.containerStatuses![0].state!.waiting!.message, `failed to generate seccomp spec opts: cannot load seccomp profile "${file}": open ${file}: no such file or directory`);
});

test('admission refuses what the runtime cannot honour: hostUsers false, AppArmor', async () => {
  const hu = testPod('hostusers', env.nodeName);
  (hu.spec as unknown as Record<string, unknown>).hostUsers = false;
  await env.client.pods('default').create(hu);
  const p = await waitStatus('hostusers', 'Failed', (x) => x.status?.phase === 'Failed');
  assert.equal(p.status!.reason, 'UserNamespacesNotSupported');
  const aa = testPod('apparmor', env.nodeName);
  aa.spec!.containers[0].securityContext = { appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-x' } };
  await env.client.pods('default').create(aa);
  const q = await waitStatus('apparmor', 'Failed', (x) => x.status?.phase === 'Failed');
  assert.equal(q.status!.reason, 'AppArmor');
  assert.match(q.status!.message ?? '', /^Pod was rejected: Cannot enforce AppArmor: /);
});
