// `hyperkube up` stopped and started again on the same data dir is the same cluster:
// every object, the same admin credentials, the same Service addresses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { startUp } from '../testing/up.js';

test('restart on the same data dir keeps objects and credentials', async () => {
  const first = await startUp(['--disable=proxy,kubelet'], { keepData: true });
  let second: Awaited<ReturnType<typeof startUp>> | undefined;
  try {
    const mk = await first.kubectl(['create', 'configmap', 'kept', '--from-literal=a=b']);
    assert.equal(mk.code, 0, mk.stderr);
    const svc = await first.kubectl(['create', 'service', 'clusterip', 'kept-svc', '--tcp=80:8080']);
    assert.equal(svc.code, 0, svc.stderr);
    const ip = (await first.kubectl(['get', 'svc', 'kept-svc', '-o', 'jsonpath={.spec.clusterIP}'])).stdout;
    const uid = (await first.kubectl(['get', 'cm', 'kept', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    await first.stop();
    assert.match(first.output(), /stopping \(SIGTERM\)/);
    second = await startUp(['--disable=proxy,kubelet'], { dataDir: first.dataDir });
    // the kubeconfig written the first time still works: same CA and token
    const again = await second.kubectl(['get', 'cm', 'kept', '-o', 'jsonpath={.metadata.uid}']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, uid);
    assert.equal((await second.kubectl(['get', 'svc', 'kept-svc', '-o', 'jsonpath={.spec.clusterIP}'])).stdout, ip);
    const other = await second.kubectl(['create', 'service', 'clusterip', 'new-svc', '--tcp=80:8080']);
    assert.equal(other.code, 0, other.stderr);
    assert.notEqual((await second.kubectl(['get', 'svc', 'new-svc', '-o', 'jsonpath={.spec.clusterIP}'])).stdout, ip);
  } finally {
    await second?.stop();
    await first.stop();
    await rm(first.dataDir, { recursive: true, force: true });
  }
});
