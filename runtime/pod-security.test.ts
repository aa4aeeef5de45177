// Pod-level isolation the runtime implements (issue 12): pids limits, hostPID,
// shareProcessNamespace, namespaced sysctls, procMount, a cgroup namespace
// with the container's own /sys/fs/cgroup, and seccomp profiles. Real kernel.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, mountsUnder, podConfig, testRuntime, type TestRuntimeEnv } from '../testing/runtime-env.js';
import type { ContainerConfig, PodSandboxConfig } from './cri.js';
import { hostPidLimit } from './pod-security.js';

let env: TestRuntimeEnv;

before(() => {
  env = testRuntime();
});

after(async () => {
  await env.cleanup();
  assert.deepEqual(cgroupPids(env.prefix), []);
  assert.deepEqual(mountsUnder(env.root), []);
});

async function pod(name: string, extra: Partial<PodSandboxConfig> = {}) {
  return env.runtime.runPodSandbox(podConfig(name, { logDirectory: join(env.root, 'logs', name), ...extra }));
}

async function start(p: string, name: string, cfg: Partial<ContainerConfig>) {
  const id = await env.runtime.createContainer(p, { metadata: { name }, image: 'busybox', logPath: `${name}.log`, command: ['sleep', '1000'], ...cfg });
  await env.runtime.startContainer(id);
  return id;
}

async function sh(id: string, script: string): Promise<{ out: string; code: number }> {
  const r = await env.runtime.execSync(id, ['sh', '-c', script], 30);
  return { out: r.stdout.toString() + r.stderr.toString(), code: r.exitCode };
}

const v1 = () => !readFileSync('/proc/self/mountinfo', 'utf8').includes(' /sys/fs/cgroup cgroup2 ');

test('pids: the pod cgroup gets pidsLimit, the cgroup root leaves the host its reservation; a fork bomb stops at the limit', async () => {
  const p = await pod('pids', { resources: { pidsLimit: 40 } });
  const pidsDir = v1() ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup';
  assert.equal(readFileSync(join(pidsDir, env.prefix, 'pids.max'), 'utf8').trim(), String(hostPidLimit(1024)));
  const sb = await env.runtime.podSandboxStatus(p);
  const podCg = readFileSync(`/proc/${sb.pid}/cgroup`, 'utf8').split('\n').find((l) => (v1() ? /:pids:/ : /^0::/).test(l))!.split(':')[2].replace(/\/pause-[^/]+$/, '');
  assert.equal(readFileSync(join(pidsDir, podCg, 'pids.max'), 'utf8').trim(), '40');
  // Bounded bomb: at most 200 background sleeps, each gone within 60 s anyway. The shell dies at the
  // first failed fork; the sleeps it started stay, holding the pod at its limit.
  const c = await start(p, 'bomb', {});
  const bomb = await sh(c, 'i=0; while [ $i -lt 200 ]; do sleep 60 </dev/null >/dev/null 2>&1 & i=$((i+1)); done; echo all-forked');
  assert.doesNotMatch(bomb.out, /all-forked/);
  assert.match(bomb.out, /can't fork/);
  const current = Number(readFileSync(join(pidsDir, podCg, 'pids.current'), 'utf8'));
  assert.ok(current >= 30 && current <= 40, `pids.current ${current}`);
  // The host still forks.
  assert.equal(spawnSync('true').status, 0);
  await env.runtime.stopContainer(c, 0);
  await env.runtime.removePodSandbox(p);
});

test('hostPID: a container sees the host pid namespace (its PID 1 is the host init)', async () => {
  const p = await pod('hostpid', { hostPID: true });
  const c = await start(p, 'c', {});
  const r = await sh(c, 'cat /proc/1/comm');
  assert.equal(r.out, readFileSync('/proc/1/comm', 'utf8'));
  assert.doesNotMatch(r.out, /tskube|sleep/);
  assert.equal(readlinkSync(`/proc/${(await env.runtime.containerStatus(c)).pid}/ns/pid`), readlinkSync('/proc/self/ns/pid'));
  await env.runtime.removePodSandbox(p);
});

test('shareProcessNamespace: one pid namespace, pause is PID 1, each container sees the others', async () => {
  const p = await pod('shared', { shareProcessNamespace: true });
  const a = await start(p, 'a', { command: ['sleep', '1001'] });
  const b = await start(p, 'b', { command: ['sleep', '1002'] });
  const r = await sh(b, 'cat /proc/1/cmdline | tr "\\0" " "; echo; for x in /proc/[0-9]*; do tr "\\0" " " < $x/cmdline; echo; done');
  const [init, ...rest] = r.out.split('\n');
  assert.match(init, /pause/, 'PID 1 is the pause process');
  assert.ok(rest.includes('sleep 1001 '), r.out);
  assert.ok(rest.includes('sleep 1002 '), r.out);
  // Stopping the sandbox (PID 1 of the pod namespace) ends every process of the pod.
  const pidA = (await env.runtime.containerStatus(a)).pid;
  await env.runtime.stopPodSandbox(p);
  assert.throws(() => process.kill(pidA, 0));
  await env.runtime.removePodSandbox(p);
});

test('sysctls: namespaced ones are set inside the pod only; others are refused before anything exists', async () => {
  const hostVal = readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8');
  const p = await pod('sysctl', { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '1234', 'kernel.shmmni': '1000' } });
  const c = await start(p, 'c', {});
  assert.equal((await sh(c, 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni')).out, '1234\n1000\n');
  assert.equal(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'), hostVal);
  const before = (await env.runtime.listPodSandbox()).length;
  await assert.rejects(pod('bad-sysctl', { sysctls: { 'kernel.pid_max': '100' } }), /sysctl "kernel.pid_max" is not in a separate kernel namespace/);
  await assert.rejects(pod('bad-sysctl2', { hostNetwork: true, sysctls: { 'net.ipv4.ip_forward': '0' } }), /not allowed in host network namespace/);
  assert.equal((await env.runtime.listPodSandbox()).length, before);
  await env.runtime.removePodSandbox(p);
});

test('cgroup namespace: /sys/fs/cgroup shows the container its own limits, read-only', async () => {
  const p = await pod('cgns');
  const c = await start(p, 'c', { resources: { memoryLimitBytes: 64 * 1024 * 1024, pidsLimit: 77 } });
  if (v1()) {
    assert.equal((await sh(c, 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes')).out, '67108864\n');
    assert.equal((await sh(c, 'cat /sys/fs/cgroup/pids/pids.max')).out, '77\n');
  } else {
    assert.equal((await sh(c, 'cat /sys/fs/cgroup/memory.max')).out, '67108864\n');
  }
  assert.equal((await sh(c, 'cat /proc/self/cgroup | grep -c ":/$"')).out.trim() !== '0', true, 'its cgroup is the namespace root');
  assert.notEqual((await sh(c, 'mkdir /sys/fs/cgroup/memory/x || mkdir /sys/fs/cgroup/x')).code, 0, 'read-only');
  await env.runtime.removePodSandbox(p);
});

test('procMount Unmasked: no masked /proc paths; Default masks them', async () => {
  const p = await pod('procmount');
  const d = await start(p, 'd', {});
  const u = await start(p, 'u', { securityContext: { procMount: 'Unmasked' } });
  assert.match((await sh(d, 'grep -c " /proc/keys " /proc/mounts')).out, /^[1-9]/);
  assert.equal((await sh(u, 'grep -c " /proc/keys " /proc/mounts')).out, '0\n');
  assert.equal((await sh(u, 'grep -c " /proc/sys " /proc/mounts')).out, '0\n', 'nor read-only ones');
  await env.runtime.removePodSandbox(p);
});

test('seccomp: RuntimeDefault filters (Seccomp: 2, unshare -U EPERM, also in exec), Unconfined does not, Localhost loads a profile', async () => {
  const p = await pod('seccomp');
  const rd = await start(p, 'rd', { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } });
  const un = await start(p, 'un', { securityContext: { seccompProfile: { type: 'Unconfined' } } });
  assert.match((await sh(rd, 'grep Seccomp: /proc/self/status')).out, /Seccomp:\s+2/);
  assert.match((await sh(un, 'grep Seccomp: /proc/self/status')).out, /Seccomp:\s+0/);
  const denied = await sh(rd, 'unshare -U true');
  assert.notEqual(denied.code, 0);
  assert.match(denied.out, /Operation not permitted/);
  assert.equal((await sh(un, 'unshare -U true')).code, 0, 'the same call without a filter works');
  // The PID 1 too, not just exec sessions.
  const init = await start(p, 'rd-init', { command: ['sh', '-c', 'grep Seccomp: /proc/self/status; unshare -U true || echo unshare-denied; sleep 1000'], securityContext: { seccompProfile: { type: 'RuntimeDefault' } } });
  for (let i = 0; i < 50 && !readFileSync(join(env.root, 'logs', 'seccomp', 'rd-init.log'), 'utf8').includes('denied'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(readFileSync(join(env.root, 'logs', 'seccomp', 'rd-init.log'), 'utf8'), /Seccomp:\s+2[\s\S]*unshare-denied/);
  // Ordinary work still runs under RuntimeDefault: fork, files, sockets, threads of busybox tools.
  assert.equal((await sh(rd, 'mkdir -p /tmp/a && echo x > /tmp/a/f && cat /tmp/a/f && ls /proc/self/fd >/dev/null && (sleep 0.1 &) && wget -q -T 1 http://127.0.0.1:1/ 2>/dev/null; echo ok')).out, 'x\nok\n');
  // Without no_new_privs (allowPrivilegeEscalation) the filter goes on while the shim still holds
  // CAP_SYS_ADMIN, and the identity switch after it must pass the filter: a non-root user here.
  const esc = await start(p, 'esc', { securityContext: { seccompProfile: { type: 'RuntimeDefault' }, allowPrivilegeEscalation: true, runAsUser: 65534 } });
  assert.match((await sh(esc, 'id -u; grep -E "Seccomp:|NoNewPrivs:" /proc/self/status')).out, /^65534\nNoNewPrivs:\s+0\nSeccomp:\s+2\n/);
  // Localhost: a profile allowing everything but mkdir/mkdirat.
  const prof = join(env.root, 'no-mkdir.json');
  writeFileSync(prof, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
  const lh = await start(p, 'lh', { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: prof } } });
  const mk = await sh(lh, 'mkdir /tmp/nope');
  assert.notEqual(mk.code, 0);
  assert.match(mk.out, /Operation not permitted/);
  assert.equal((await sh(lh, 'touch /tmp/yes && echo made')).out, 'made\n');
  // A missing or broken Localhost profile is refused at create, with the path in the message.
  await assert.rejects(env.runtime.createContainer(p, { metadata: { name: 'bad' }, image: 'busybox', securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: join(env.root, 'missing.json') } } }), /cannot load seccomp profile/);
  for (const id of [rd, un, init, lh, esc]) await env.runtime.stopContainer(id, 0);
  await env.runtime.removePodSandbox(p);
});
