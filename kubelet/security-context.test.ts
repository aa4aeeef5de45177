// Pod spec → what the kubelet hands the runtime: table-driven over the security fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod, PodSpec } from '../api/core.js';
import { containerSecurityContext, CreateContainerError, imageUser, sandboxSecurity, verifyRunAsNonRoot } from './security-context.js';

const pod = (spec: Partial<PodSpec>, c: Partial<Container> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: { containers: [{ name: 'c', image: 'busybox', ...c }], ...spec },
});
const seccompRoot = mkdtempSync(join(tmpdir(), 'seccomp-test-'));
mkdirSync(join(seccompRoot, 'profiles'));
writeFileSync(join(seccompRoot, 'profiles', 'audit.json'), '{"defaultAction":"SCMP_ACT_LOG"}');
process.on('exit', () => rmSync(seccompRoot, { recursive: true, force: true }));
const opts = { seccompDefault: false, seccompRoot };

test('container securityContext: container fields win over the pod, fsGroup joins the groups, seccomp resolution', () => {
  const cases: { name: string; pod: Pod; seccompDefault?: boolean; want: object }[] = [
    { name: 'nothing set: Unconfined, no ids', pod: pod({}), want: { seccompProfile: { type: 'Unconfined' } } },
    { name: '--seccomp-default: RuntimeDefault', pod: pod({}), seccompDefault: true, want: { seccompProfile: { type: 'RuntimeDefault' } } },
    {
      name: 'pod runAsUser/runAsGroup, container overrides the user',
      pod: pod({ securityContext: { runAsUser: 1000, runAsGroup: 3000 } }, { securityContext: { runAsUser: 2000 } }),
      want: { runAsUser: 2000, runAsGroup: 3000, seccompProfile: { type: 'Unconfined' } },
    },
    {
      name: 'fsGroup first, then supplementalGroups, no duplicates',
      pod: pod({ securityContext: { fsGroup: 2000, supplementalGroups: [5, 2000, 6] } }),
      want: { supplementalGroups: [2000, 5, 6], seccompProfile: { type: 'Unconfined' } },
    },
    {
      name: 'pod seccomp RuntimeDefault, container Unconfined wins',
      pod: pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, { securityContext: { seccompProfile: { type: 'Unconfined' } } }),
      seccompDefault: true,
      want: { seccompProfile: { type: 'Unconfined' } },
    },
    {
      name: 'pod Localhost profile resolved under <root-dir>/seccomp',
      pod: pod({ securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' } } }),
      want: { seccompProfile: { type: 'Localhost', localhostProfile: join(seccompRoot, 'profiles/audit.json') } },
    },
    {
      name: 'privileged: no seccomp, capabilities and the rest passed through',
      pod: pod({}, { securityContext: { privileged: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: true, capabilities: { add: ['NET_ADMIN'] }, procMount: 'Unmasked' } }),
      seccompDefault: true,
      want: { privileged: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: true, capabilities: { add: ['NET_ADMIN'] }, seccompProfile: { type: 'Unconfined' }, procMount: 'Unmasked' },
    },
  ];
  for (const tc of cases) {
    assert.deepEqual(containerSecurityContext(tc.pod, tc.pod.spec!.containers[0], { ...opts, seccompDefault: !!tc.seccompDefault }), tc.want, tc.name);
  }
});

test('seccomp Localhost: a missing profile or one outside the seccomp dir is a CreateContainerError', () => {
  const missing = pod({}, { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'nope.json' } } });
  assert.throws(() => containerSecurityContext(missing, missing.spec!.containers[0], opts), (e: Error) => e instanceof CreateContainerError && e.message === `failed to generate seccomp spec opts: cannot load seccomp profile "${join(seccompRoot, 'nope.json')}": open ${join(seccompRoot, 'nope.json')}: no such file or directory`);
  for (const bad of ['../../etc/passwd', '/etc/passwd', 'profiles/../../x.json']) {
    const p = pod({ securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: bad } } });
    assert.throws(() => containerSecurityContext(p, p.spec!.containers[0], opts), CreateContainerError, bad);
  }
});

test('verifyRunAsNonRoot: upstream messages for a root image, a named user, runAsUser 0; allowed otherwise', () => {
  const desc = '"p_ns(u1)"';
  const cases: { name: string; pod: Pod; user: string | undefined; want: string | undefined }[] = [
    { name: 'not asked', pod: pod({}), user: '', want: undefined },
    { name: 'image without user runs as root', pod: pod({ securityContext: { runAsNonRoot: true } }), user: '', want: `container has runAsNonRoot and image will run as root (pod: ${desc}, container: c)` },
    { name: 'image user 0:0', pod: pod({}, { securityContext: { runAsNonRoot: true } }), user: '0:0', want: `container has runAsNonRoot and image will run as root (pod: ${desc}, container: c)` },
    { name: 'image user by name', pod: pod({ securityContext: { runAsNonRoot: true } }), user: 'nobody', want: `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: ${desc}, container: c)` },
    { name: 'image user 1000', pod: pod({ securityContext: { runAsNonRoot: true } }), user: '1000:1000', want: undefined },
    { name: 'runAsUser 1000 on a root image', pod: pod({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } }), user: '', want: undefined },
    { name: 'runAsUser 0', pod: pod({ securityContext: { runAsNonRoot: true } }, { securityContext: { runAsUser: 0 } }), user: '1000', want: `container's runAsUser breaks non-root policy (pod: ${desc}, container: c)` },
    { name: 'container runAsNonRoot false wins over the pod', pod: pod({ securityContext: { runAsNonRoot: true } }, { securityContext: { runAsNonRoot: false } }), user: '', want: undefined },
  ];
  for (const tc of cases) assert.equal(verifyRunAsNonRoot(tc.pod, tc.pod.spec!.containers[0], tc.user), tc.want, tc.name);
  assert.deepEqual(imageUser('1000:50'), { uid: 1000 });
  assert.deepEqual(imageUser('app:app'), { username: 'app' });
  assert.deepEqual(imageUser(''), {});
});

test('sandbox: namespace modes, sysctls (normalized names), pids limit', () => {
  const cases: { name: string; spec: Partial<PodSpec>; limit: number; want: object }[] = [
    { name: 'defaults', spec: {}, limit: 4096, want: { hostIPC: false, hostPID: false, pidsLimit: 4096 } },
    { name: 'host namespaces', spec: { hostPID: true, hostIPC: true }, limit: 0, want: { hostIPC: true, hostPID: true } },
    { name: 'shared pid namespace', spec: { shareProcessNamespace: true }, limit: -1, want: { hostIPC: false, hostPID: false, shareProcessNamespace: true } },
    { name: 'hostPID wins over shareProcessNamespace', spec: { hostPID: true, shareProcessNamespace: true }, limit: 0, want: { hostIPC: false, hostPID: true } },
    {
      name: 'sysctls',
      spec: { securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 2048' }, { name: 'kernel/shm_rmid_forced', value: '1' }] } },
      limit: 100,
      want: { hostIPC: false, hostPID: false, sysctls: { 'net.ipv4.ip_local_port_range': '1024 2048', 'kernel.shm_rmid_forced': '1' }, pidsLimit: 100 },
    },
  ];
  for (const tc of cases) assert.deepEqual(sandboxSecurity(pod(tc.spec), tc.limit), tc.want, tc.name);
});
