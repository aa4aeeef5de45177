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
