// Profile → shim config lines: containerd's default semantics, Docker-format
// conditions, refusals of malformed profiles; and the sysctl/subPath checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProfile, defaultProfile, seccompConfig } from './seccomp.js';
import { checkSubPath, checkSysctls, hostPidLimit } from './pod-security.js';

const rules = (lines: [string, string | number][]) => lines.filter(([k]) => k === 'seccomp_rule').map(([, v]) => String(v));
const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETUID', 'CAP_SETGID', 'CAP_SYS_CHROOT'];

test('RuntimeDefault: EPERM by default, allowlist, clone without namespace flags, clone3 ENOSYS, capability groups', () => {
  const lines = seccompConfig({ type: 'RuntimeDefault' }, DEFAULT_CAPS, false);
  assert.deepEqual(lines[0], ['seccomp_default', 'errno 1']);
  assert.deepEqual(lines.filter(([k]) => k === 'seccomp_arch').map(([, v]) => v), ['x86_64', 'x86', 'x32']);
  const r = rules(lines);
  for (const s of ['read', 'openat2', 'execve', 'clock_gettime']) assert.ok(r.includes(`allow -1 ${s}`), s);
  for (const s of ['unshare', 'mount', 'keyctl', 'add_key', 'ptrace', 'setns', 'bpf', 'kexec_load']) assert.ok(!r.some((x) => x.split(' ')[2] === s && x.startsWith('allow')), s);
  assert.ok(r.includes(`allow -1 clone 0:me:${0x7e020000}:0`), 'clone only without CLONE_NEW*');
  assert.ok(r.includes('errno 38 clone3'));
  assert.ok(r.includes('allow -1 chroot'), 'CAP_SYS_CHROOT brings chroot');
  const admin = rules(seccompConfig({ type: 'RuntimeDefault' }, [...DEFAULT_CAPS, 'CAP_SYS_ADMIN'], false));
  assert.ok(admin.includes('allow -1 unshare') && admin.includes('allow -1 clone') && !admin.some((x) => x.includes('clone3') && x.startsWith('errno')));
  assert.deepEqual(seccompConfig({ type: 'Unconfined' }, DEFAULT_CAPS, false), []);
  assert.deepEqual(seccompConfig(undefined, DEFAULT_CAPS, false), []);
  assert.deepEqual(seccompConfig({ type: 'RuntimeDefault' }, DEFAULT_CAPS, true), [], 'privileged: unconfined, as containerd');
});

test('Docker-format profiles: includes/excludes by capability, archMap, errnoRet; bad profiles refused with the path', () => {
  const lines = compileProfile(
    {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }, { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] }],
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_PTRACE'] } },
        { names: ['chmod'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['write'], action: 'SCMP_ACT_ERRNO', errnoRet: 5, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
      ],
    },
    ['CAP_CHOWN'],
  );
  assert.deepEqual(lines[0], ['seccomp_default', 'errno 38']);
  assert.deepEqual(lines.filter(([k]) => k === 'seccomp_arch').map(([, v]) => v), ['x86_64', 'x86']);
  assert.deepEqual(rules(lines), ['allow -1 read', 'allow -1 chmod', 'errno 5 write 0:eq:2:0']);
  assert.throws(() => compileProfile({ defaultAction: 'SCMP_ACT_NOTIFY' }, []), /unsupported action "SCMP_ACT_NOTIFY"/);
  assert.throws(() => compileProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read; rm'], action: 'SCMP_ACT_ERRNO' }] }, []), /names must be syscall names/);
  assert.throws(() => compileProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 9, value: 1, op: 'SCMP_CMP_EQ' }] }] }, []), /bad index or op/);
  const dir = mkdtempSync(join(tmpdir(), 'tkt-seccomp-'));
  try {
    writeFileSync(join(dir, 'bad.json'), '{nope');
    assert.throws(() => seccompConfig({ type: 'Localhost', localhostProfile: join(dir, 'bad.json') }, [], false), /decoding seccomp profile ".*bad.json" failed/);
    assert.throws(() => seccompConfig({ type: 'Localhost', localhostProfile: join(dir, 'missing.json') }, [], false), /cannot load seccomp profile/);
    assert.throws(() => seccompConfig({ type: 'Localhost', localhostProfile: 'relative.json' }, [], false), /must be an absolute path/);
    assert.throws(() => seccompConfig({ type: 'Localhost' }, [], false), /needs localhostProfile/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The whole default profile compiles (every rule has a known action and op).
  assert.ok(rules(compileProfile(defaultProfile(DEFAULT_CAPS), DEFAULT_CAPS)).length > 300);
});

test('sysctls: namespaced ones pass, host ones and shared namespaces are refused in runc wording', () => {
  assert.deepEqual(checkSysctls({ metadata: { name: 'p', namespace: 'd', uid: 'u' }, sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shm_rmid_forced': '1', 'fs.mqueue.msg_max': '20' } }), ['net.ipv4.ip_forward=1', 'kernel.shm_rmid_forced=1', 'fs.mqueue.msg_max=20']);
  const meta = { name: 'p', namespace: 'd', uid: 'u' };
  assert.throws(() => checkSysctls({ metadata: meta, sysctls: { 'vm.overcommit_memory': '1' } }), /sysctl "vm.overcommit_memory" is not in a separate kernel namespace/);
  assert.throws(() => checkSysctls({ metadata: meta, hostNetwork: true, sysctls: { 'net.core.somaxconn': '1' } }), /not allowed in host network namespace/);
  assert.throws(() => checkSysctls({ metadata: meta, hostIPC: true, sysctls: { 'kernel.shmmax': '1' } }), /not allowed in the hosts ipc namespace/);
  assert.throws(() => checkSysctls({ metadata: meta, sysctls: { 'net/../../kernel/x': '1' } }), /invalid name/);
  assert.throws(() => checkSysctls({ metadata: meta, sysctls: { 'net.ipv4.ip_forward': '1\nkernel.x=2' } }), /invalid value/);
});

test('subPath: relative, no ".."; pid budget leaves the reservation', () => {
  checkSubPath('a/b');
  checkSubPath(undefined);
  assert.throws(() => checkSubPath('/etc'), /must be a relative path/);
  assert.throws(() => checkSubPath('a/../../b'), /must not contain '..'/);
  assert.ok(hostPidLimit(1024) < hostPidLimit(0));
  assert.equal(hostPidLimit(0) - hostPidLimit(1024), 1024);
});
