import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKubeletFlags } from './kubelet.js';

test('kubelet flags parse with defaults; unknown flags are refused', () => {
  const o = parseKubeletFlags(['--server', 'http://127.0.0.1:6443', '--hostname-override=node-a', '--port', '0', '--pod-manifest-path', '/tmp/m']);
  assert.equal(o.server, 'http://127.0.0.1:6443');
  assert.equal(o.nodeName, 'node-a');
  assert.equal(o.port, 0);
  assert.equal(o.podManifestPath, '/tmp/m');
  assert.equal(parseKubeletFlags([]).podCIDR, '10.244.0.0/24');
  assert.throws(() => parseKubeletFlags(['--nope', 'x']), /unknown flag --nope/);
  assert.throws(() => parseKubeletFlags(['--server']), /needs a value/);
});

test('--max-pods sets the pods capacity and must be a positive integer', () => {
  assert.equal(parseKubeletFlags(['--max-pods=250']).maxPods, 250);
  assert.equal(parseKubeletFlags([]).maxPods, undefined);
  assert.throws(() => parseKubeletFlags(['--max-pods=0']), /positive integer/);
  assert.throws(() => parseKubeletFlags(['--max-pods', 'many']), /positive integer/);
});

test('--kube-api-qps/--kube-api-burst/--event-qps/--event-burst are numbers >= 0', () => {
  const o = parseKubeletFlags(['--kube-api-qps=20', '--kube-api-burst', '40', '--event-qps=0', '--event-burst=5']);
  assert.deepEqual([o.kubeAPIQPS, o.kubeAPIBurst, o.eventRecordQPS, o.eventBurst], [20, 40, 0, 5]);
  assert.throws(() => parseKubeletFlags(['--event-qps=-1']), />= 0/);
});

test('--seccomp-default stands alone or takes a bool; --pod-pids-limit; --allowed-unsafe-sysctls is a list', () => {
  assert.equal(parseKubeletFlags(['--seccomp-default', '--port=0']).seccompDefault, true);
  assert.equal(parseKubeletFlags(['--seccomp-default=false']).seccompDefault, false);
  assert.equal(parseKubeletFlags([]).seccompDefault, undefined);
  assert.throws(() => parseKubeletFlags(['--seccomp-default=maybe']), /invalid boolean value "maybe" for --seccomp-default/);
  assert.equal(parseKubeletFlags(['--pod-pids-limit', '100']).podPidsLimit, 100);
  assert.equal(parseKubeletFlags(['--pod-pids-limit=-1']).podPidsLimit, -1);
  assert.throws(() => parseKubeletFlags(['--pod-pids-limit=-2']), /integer >= -1/);
  assert.deepEqual(parseKubeletFlags(['--allowed-unsafe-sysctls=kernel.msg*,net.core.somaxconn']).allowedUnsafeSysctls, ['kernel.msg*', 'net.core.somaxconn']);
});

test('--client-ca-file, --healthz-port and --healthz-bind-address parse; a client CA without a serving cert is refused at start', async () => {
  const o = parseKubeletFlags(['--client-ca-file=/pki/ca.crt', '--healthz-port', '-1', '--healthz-bind-address=127.0.0.2', '--tls-cert-file=/k.crt', '--tls-private-key-file=/k.key']);
  assert.deepEqual([o.clientCAFile, o.healthzPort, o.healthzBindAddress, o.tlsCertFile, o.tlsKeyFile], ['/pki/ca.crt', -1, '127.0.0.2', '/k.crt', '/k.key']);
  const { startKubelet } = await import('../kubelet/kubelet.js');
  await assert.rejects(startKubelet({ server: 'http://127.0.0.1:1', clientCAFile: '/pki/ca.crt' }), /needs a serving certificate/);
});

test('eviction, reservation and GC flags parse as upstream writes them; bad ones are refused', () => {
  const o = parseKubeletFlags([
    '--eviction-hard=memory.available<200Mi,nodefs.available<5%',
    '--eviction-soft', 'memory.available<1Gi',
    '--eviction-soft-grace-period=memory.available=1m30s',
    '--eviction-pressure-transition-period=30s',
    '--eviction-max-pod-grace-period=20',
    '--system-reserved=cpu=100m,memory=256Mi',
    '--kube-reserved=memory=128Mi',
    '--enforce-node-allocatable=pods',
    '--image-gc-high-threshold=90',
    '--image-gc-low-threshold=70',
    '--image-minimum-gc-age=1m',
    '--maximum-dead-containers-per-container=2',
    '--minimum-container-ttl-duration=10s',
    '--housekeeping-interval=2s',
  ]);
  assert.equal(o.evictionHard, 'memory.available<200Mi,nodefs.available<5%');
  assert.equal(o.evictionSoft, 'memory.available<1Gi');
  assert.equal(o.evictionPressureTransitionPeriodMs, 30_000);
  assert.equal(o.evictionMaxPodGracePeriod, 20);
  assert.deepEqual(o.enforceNodeAllocatable, ['pods']);
  assert.equal(o.imageGCHighThresholdPercent, 90);
  assert.equal(o.imageMinimumGCAgeMs, 60_000);
  assert.equal(o.maximumDeadContainersPerContainer, 2);
  assert.equal(o.minimumContainerTTLDurationMs, 10_000);
  assert.equal(o.housekeepingIntervalMs, 2000);
  assert.throws(() => parseKubeletFlags(['--eviction-hard=memory.available>1Gi']), /only < is supported/);
  assert.throws(() => parseKubeletFlags(['--eviction-soft=memory.available<1Gi']), /no grace period/);
  assert.throws(() => parseKubeletFlags(['--image-gc-high-threshold=101']), /between 0 and 100/);
  assert.throws(() => parseKubeletFlags(['--image-gc-high-threshold=50', '--image-gc-low-threshold=60']), /must be less than or equal to --image-gc-high-threshold/);
  assert.throws(() => parseKubeletFlags(['--system-reserved=gpu=1']), /cannot reserve/);
  assert.throws(() => parseKubeletFlags(['--enforce-node-allocatable=everything']), /invalid option/);
  assert.throws(() => parseKubeletFlags(['--housekeeping-interval=soon']), /--housekeeping-interval/);
  assert.throws(() => parseKubeletFlags(['--__proto__=1']), /unknown flag/);
});
