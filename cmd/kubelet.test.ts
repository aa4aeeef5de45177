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
