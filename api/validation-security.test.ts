import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, validate } from './kinds.js';
import type { KubeObject } from './meta.js';
import type { Pod, PodSpec } from './core.js';

/** A pod as the cases change it: spec present (values that types forbid go in with Object.assign). */
interface TestPod extends Pod {
  spec: PodSpec;
  [k: string]: unknown;
}

function pod(mut: (p: TestPod) => void): KubeObject {
  const p: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  applyDefaults('Pod', p);
  mut(p as TestPod);
  return p;
}

test('securityContext validation: seccomp, sysctls, fsGroupChangePolicy, procMount, shareProcessNamespace+hostPID, subPathExpr (upstream wording)', () => {
  const cases: [string, (p: TestPod) => void, string | undefined][] = [
    ['valid everything', (p) => {
      p.spec.securityContext = { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/a.json' }, fsGroupChangePolicy: 'OnRootMismatch', sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1 2' }, { name: 'kernel.msgmax', value: '1' }] };
      p.spec.containers[0].securityContext = { seccompProfile: { type: 'RuntimeDefault' }, procMount: 'Default' };
    }, undefined],
    ['seccomp without type', (p) => Object.assign(p.spec, { securityContext: { seccompProfile: {} } }), 'spec.securityContext.seccompProfile.type: Required value: type is required when seccompProfile is set'],
    ['seccomp bad type', (p) => Object.assign(p.spec.containers[0], { securityContext: { seccompProfile: { type: 'Strict' } } }), 'spec.containers[0].securityContext.seccompProfile.type: Unsupported value: "Strict": supported values: "Localhost", "RuntimeDefault", "Unconfined"'],
    ['Localhost without a profile', (p) => (p.spec.securityContext = { seccompProfile: { type: 'Localhost' } }), 'spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost'],
    ['Localhost absolute', (p) => (p.spec.securityContext = { seccompProfile: { type: 'Localhost', localhostProfile: '/etc/x.json' } }), 'spec.securityContext.seccompProfile.localhostProfile: Invalid value: "/etc/x.json": must be a relative path'],
    ['Localhost escaping', (p) => (p.spec.containers[0].securityContext = { seccompProfile: { type: 'Localhost', localhostProfile: '../x.json' } }), 'spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: "../x.json": must not contain \'..\''],
    ['localhostProfile on RuntimeDefault', (p) => (p.spec.securityContext = { seccompProfile: { type: 'RuntimeDefault', localhostProfile: 'a' } }), 'spec.securityContext.seccompProfile.localhostProfile: Invalid value: {"type":"RuntimeDefault","localhostProfile":"a"}: can only be set when seccomp type is Localhost'],
    ['sysctl bad name', (p) => (p.spec.securityContext = { sysctls: [{ name: 'Net.X', value: '1' }] }), 'spec.securityContext.sysctls[0].name: Invalid value: "Net.X": must have at most 253 characters'],
    ['sysctl dup', (p) => (p.spec.securityContext = { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'kernel.msgmax', value: '2' }] }), 'spec.securityContext.sysctls[1].name: Duplicate value: "kernel.msgmax"'],
    ['net sysctl with hostNetwork', (p) => { p.spec.hostNetwork = true; p.spec.securityContext = { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }] }; }, `spec.securityContext.sysctls[0].name: Invalid value: "net.ipv4.tcp_syncookies": may not be specified when 'hostNetwork' is true`],
    ['ipc sysctl with hostIPC', (p) => { p.spec.hostIPC = true; p.spec.securityContext = { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }] }; }, `spec.securityContext.sysctls[0].name: Invalid value: "kernel.shm_rmid_forced": may not be specified when 'hostIPC' is true`],
    ['fsGroupChangePolicy', (p) => (p.spec.securityContext = { fsGroupChangePolicy: 'Sometimes' }), 'spec.securityContext.fsGroupChangePolicy: Unsupported value: "Sometimes": supported values: "Always", "OnRootMismatch"'],
    ['supplementalGroupsPolicy', (p) => (p.spec.securityContext = { supplementalGroupsPolicy: 'Loose' }), 'spec.securityContext.supplementalGroupsPolicy: Unsupported value: "Loose": supported values: "Merge", "Strict"'],
    ['procMount', (p) => Object.assign(p.spec.containers[0], { securityContext: { procMount: 'Raw' } }), 'spec.containers[0].securityContext.procMount: Unsupported value: "Raw": supported values: "Default", "Unmasked"'],
    ['procMount Unmasked needs hostUsers false', (p) => (p.spec.containers[0].securityContext = { procMount: 'Unmasked' }), 'spec.containers[0].securityContext.procMount: Invalid value: "Unmasked": `hostUsers` must be false to use `Unmasked`'],
    ['procMount Unmasked with hostUsers false', (p) => { p.spec.hostUsers = false; p.spec.containers[0].securityContext = { procMount: 'Unmasked' }; }, undefined],
    ['shareProcessNamespace and hostPID', (p) => { p.spec.hostPID = true; p.spec.shareProcessNamespace = true; }, 'spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled'],
    ['Bidirectional propagation unprivileged', (p) => { p.spec.volumes = [{ name: 'v', emptyDir: {} }]; p.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/v', mountPropagation: 'Bidirectional' }]; }, 'spec.containers[0].volumeMounts[0].mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers'],
    ['subPath and subPathExpr', (p) => { p.spec.volumes = [{ name: 'v', emptyDir: {} }]; p.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/v', subPath: 'a', subPathExpr: '$(X)' }]; }, 'spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(X)": subPathExpr and subPath are mutually exclusive'],
    ['subPathExpr absolute', (p) => { p.spec.volumes = [{ name: 'v', emptyDir: {} }]; p.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/v', subPathExpr: '/$(X)' }]; }, 'spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "/$(X)": must be a relative path'],
  ];
  for (const [name, mut, want] of cases) {
    const errs = validate('Pod', pod(mut)).map((e) => `${e.field}: ${e.message}`);
    if (want === undefined) assert.deepEqual(errs, [], name);
    else assert.ok(errs.some((e) => e.startsWith(want)), `${name}: expected ${want}\n got ${JSON.stringify(errs)}`);
  }
});
