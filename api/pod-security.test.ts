import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec } from './core.js';
import { checkPod, describeViolations, policyOf, type Level } from './pod-security.js';

const restrictedOK: PodSpec = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'c', image: 'i', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
};

const cases: { name: string; level: Level; spec: PodSpec; annotations?: Record<string, string>; want: string[] }[] = [
  { name: 'privileged allows anything', level: 'privileged', spec: { hostNetwork: true, containers: [{ name: 'c', securityContext: { privileged: true } }] }, want: [] },
  { name: 'a plain pod meets baseline', level: 'baseline', spec: { containers: [{ name: 'c' }] }, want: [] },
  {
    name: 'baseline: host namespaces, hostPath, privileged, in check order',
    level: 'baseline',
    spec: { hostNetwork: true, hostPID: true, volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [{ name: 'a', securityContext: { privileged: true } }, { name: 'b', securityContext: { privileged: true } }] },
    want: ['host namespaces (hostNetwork=true, hostPID=true)', 'hostPath volumes (volume "h")', 'privileged (containers "a", "b" must not set securityContext.privileged=true)'],
  },
  {
    name: 'baseline: capabilities, hostPort, sysctls, seccomp Unconfined, procMount',
    level: 'baseline',
    spec: {
      securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }], seccompProfile: { type: 'Unconfined' } },
      containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }], securityContext: { capabilities: { add: ['NET_ADMIN', 'CHOWN'] }, procMount: 'Unmasked' } }],
    },
    want: [
      'non-default capabilities (container "c" must not include "NET_ADMIN" in securityContext.capabilities.add)',
      'hostPort (container "c" uses hostPort 8080)',
      'procMount (container "c" must not set securityContext.procMount to "Unmasked")',
      'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
      'forbidden sysctls (kernel.msgmax)',
    ],
  },
  { name: 'a pod written for restricted meets it', level: 'restricted', spec: restrictedOK, want: [] },
  {
    name: 'restricted: the four a plain pod misses',
    level: 'restricted',
    spec: { containers: [{ name: 'c' }] },
    want: [
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"])',
      'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)',
      'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ],
  },
  {
    name: 'restricted: volume types replace the hostPath check; runAsUser=0; adding capabilities',
    level: 'restricted',
    spec: {
      ...restrictedOK,
      securityContext: { ...restrictedOK.securityContext, runAsUser: 0 },
      volumes: [{ name: 'h', hostPath: { path: '/' } }, { name: 'e', emptyDir: {} }],
      containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'SYS_TIME'] } } }],
    },
    want: [
      'unrestricted capabilities (container "c" must not include "SYS_TIME" in securityContext.capabilities.add)',
      'restricted volume types (volume "h" uses restricted volume type "hostPath")',
      'runAsUser=0 (pod must not set runAsUser=0)',
    ],
  },
  {
    name: 'AppArmor annotations other than runtime/default or localhost/ are forbidden',
    level: 'baseline',
    spec: { containers: [{ name: 'c' }] },
    annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' },
    want: ['forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/c="unconfined")'],
  },
];

for (const c of cases) {
  test(`pod security: ${c.name}`, () => {
    const got = checkPod(c.level, { metadata: { annotations: c.annotations }, spec: c.spec }).map((v) => `${v.reason} (${v.detail})`);
    assert.deepEqual(got, c.want);
  });
}

test('the message and the namespace labels', () => {
  const v = checkPod('baseline', { spec: { hostIPC: true, containers: [{ name: 'c' }] } });
  assert.equal(describeViolations('baseline', 'latest', v), 'PodSecurity "baseline:latest": host namespaces (hostIPC=true)');
  assert.deepEqual(policyOf({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.30' }, 'enforce', 'privileged'), { level: 'restricted', version: 'v1.30' });
  assert.deepEqual(policyOf({}, 'enforce', 'baseline'), { level: 'baseline', version: 'latest' });
  // An invalid level is evaluated as restricted, as upstream.
  assert.equal(policyOf({ 'pod-security.kubernetes.io/warn': 'nonsense' }, 'warn', 'privileged').level, 'restricted');
});
