import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodSpec } from '../api/core.js';
import { admitSecurity } from './security-admission.js';
import { admitSysctls, normalizeSysctl, safeSysctls, sysctlAllowlist } from './sysctls.js';

const pod = (spec: Partial<PodSpec> & Record<string, unknown>, annotations?: Record<string, string>): Pod => ({
  metadata: { name: 'p', namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});
const sysctls = (...s: [string, string][]) => ({ securityContext: { sysctls: s.map(([name, value]) => ({ name, value })) } });

test('safe sysctls follow the kernel version; names normalize', () => {
  assert.ok(safeSysctls('6.1.0').includes('net.ipv4.tcp_rmem'));
  assert.deepEqual(safeSysctls('3.10.0'), ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']);
  assert.ok(safeSysctls('4.5.0').includes('net.ipv4.tcp_keepalive_time') && !safeSysctls('4.5.0').includes('net.ipv4.tcp_fin_timeout'));
  assert.equal(normalizeSysctl('net/ipv4/ip_local_port_range'), 'net.ipv4.ip_local_port_range');
  assert.equal(normalizeSysctl('net.ipv4.conf.eth0/100.rp_filter'), 'net.ipv4.conf.eth0/100.rp_filter');
  assert.equal(normalizeSysctl('net/ipv4/conf/eth0.100/rp_filter'), 'net.ipv4.conf.eth0/100.rp_filter');
});

test('sysctl admission: safe admitted, unsafe SysctlForbidden unless allowed, host namespaces refuse theirs', () => {
  const safe = sysctlAllowlist([], '6.1.0');
  const cases: { name: string; pod: Pod; list?: ReturnType<typeof sysctlAllowlist>; want?: string }[] = [
    { name: 'none', pod: pod({}) },
    { name: 'safe', pod: pod(sysctls(['net.ipv4.ip_local_port_range', '1024 65535'], ['kernel.shm_rmid_forced', '1'])) },
    { name: 'unsafe', pod: pod(sysctls(['kernel.msgmax', '65536'])), want: 'Pod was rejected: forbidden sysctl: "kernel.msgmax" not allowlisted' },
    { name: 'unsafe allowed by prefix', pod: pod(sysctls(['kernel.msgmax', '65536'])), list: sysctlAllowlist(['kernel.msg*'], '6.1.0') },
    { name: 'unsafe allowed exactly', pod: pod(sysctls(['net.core.somaxconn', '1024'])), list: sysctlAllowlist(['net.core.somaxconn'], '6.1.0') },
    { name: 'net sysctl with hostNetwork', pod: pod({ hostNetwork: true, ...sysctls(['net.ipv4.tcp_syncookies', '1']) }), want: 'Pod was rejected: forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled' },
    { name: 'ipc sysctl with hostIPC', pod: pod({ hostIPC: true, ...sysctls(['kernel.shm_rmid_forced', '1']) }), want: 'Pod was rejected: forbidden sysctl: "kernel.shm_rmid_forced" not allowed with host ipc enabled' },
    { name: 'not namespaced at all', pod: pod(sysctls(['vm.swappiness', '1'])), want: 'Pod was rejected: forbidden sysctl: "vm.swappiness" not allowlisted' },
  ];
  for (const tc of cases) {
    const r = admitSysctls(tc.pod, tc.list ?? safe);
    assert.equal(r?.message, tc.want, tc.name);
    if (tc.want) assert.equal(r?.reason, 'SysctlForbidden');
  }
  assert.throws(() => sysctlAllowlist(['vm.swappiness']), /the sysctls "vm.swappiness" are not known to be namespaced/);
  assert.throws(() => sysctlAllowlist(['Bad Name']), /must have at most 253 characters and match regex/);
});

test('what the runtime cannot honour is refused at admission, with the reason', () => {
  const list = sysctlAllowlist();
  const cases: { name: string; pod: Pod; reason?: string; message?: RegExp }[] = [
    { name: 'plain pod', pod: pod({}) },
    { name: 'hostPID, shareProcessNamespace, seccomp, fsGroup pass', pod: pod({ hostPID: true, shareProcessNamespace: true, securityContext: { fsGroup: 1, seccompProfile: { type: 'RuntimeDefault' } } }) },
    { name: 'hostUsers false', pod: pod({ hostUsers: false }), reason: 'UserNamespacesNotSupported', message: /hostUsers: false/ },
    { name: 'windows pod', pod: pod({ os: { name: 'windows' } }), reason: 'PodOSNotSupported', message: /^Pod was rejected: Failed to admit pod as the OS field doesn't match node OS$/ },
    { name: 'linux os', pod: pod({ os: { name: 'linux' } }) },
    { name: 'appArmor Localhost on the pod', pod: pod({ securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'x' } } }), reason: 'AppArmor', message: /^Pod was rejected: Cannot enforce AppArmor: / },
    { name: 'appArmor RuntimeDefault on a container', pod: { ...pod({}), spec: { containers: [{ name: 'c', securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } }] } }, reason: 'AppArmor' },
    { name: 'appArmor Unconfined is fine', pod: pod({ securityContext: { appArmorProfile: { type: 'Unconfined' } } }) },
    { name: 'appArmor annotation', pod: pod({}, { 'container.apparmor.security.beta.kubernetes.io/c': 'localhost/foo' }), reason: 'AppArmor' },
    { name: 'windows hostProcess', pod: pod({ securityContext: { windowsOptions: { hostProcess: true } } }), reason: 'UnsupportedPodSpec', message: /windowsOptions \(hostProcess\) apply to Windows nodes only/ },
    { name: 'unsafe sysctl', pod: pod(sysctls(['kernel.msgmax', '1'])), reason: 'SysctlForbidden' },
    { name: 'mount propagation', pod: { ...pod({}), spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'c', volumeMounts: [{ name: 'v', mountPath: '/v', mountPropagation: 'HostToContainer' }] }] } }, reason: 'UnsupportedPodSpec', message: /container c: mountPropagation HostToContainer \(volume v\) is not supported/ },
    { name: 'mount propagation None', pod: { ...pod({}), spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'c', volumeMounts: [{ name: 'v', mountPath: '/v', mountPropagation: 'None' }] }] } } },
    { name: 'runtimeClassName', pod: pod({ runtimeClassName: 'gvisor' }), reason: 'UnsupportedPodSpec', message: /runtimeClassName "gvisor"/ },
  ];
  for (const tc of cases) {
    const r = admitSecurity(tc.pod, list);
    assert.equal(r?.reason, tc.reason, tc.name);
    if (tc.message) assert.match(r!.message, tc.message, tc.name);
  }
});
