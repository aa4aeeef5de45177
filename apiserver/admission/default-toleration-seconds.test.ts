import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Toleration } from '../../api/core.js';
import { startTestApi } from '../../testing/cluster.js';
import { addDefaultTolerations, parseTolerationSeconds } from './default-toleration-seconds.js';

const NR = 'node.kubernetes.io/not-ready';
const UR = 'node.kubernetes.io/unreachable';
const podWith = (tolerations?: Toleration[]): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...(tolerations ? { tolerations } : {}) } });

test('pods without them get both NoExecute tolerations, after their own', () => {
  const p = podWith([{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' }]);
  addDefaultTolerations(p, { notReadySeconds: 7, unreachableSeconds: 9 });
  assert.deepEqual(p.spec!.tolerations, [
    { key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' },
    { key: NR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 },
    { key: UR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 9 },
  ]);
});

test('a toleration of the key (any effect NoExecute or empty), or an empty key, counts as present', () => {
  const own = { key: NR, operator: 'Exists' as const, effect: 'NoExecute' as const, tolerationSeconds: 5 };
  const p = podWith([own]);
  addDefaultTolerations(p);
  assert.deepEqual(p.spec!.tolerations, [own, { key: UR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
  const all = podWith([{ operator: 'Exists' }]);
  addDefaultTolerations(all);
  assert.equal(all.spec!.tolerations!.length, 1);
  // A NoSchedule toleration of the key does not cover NoExecute.
  const noSched = podWith([{ key: UR, operator: 'Exists', effect: 'NoSchedule' }]);
  addDefaultTolerations(noSched);
  assert.equal(noSched.spec!.tolerations!.length, 3);
});

test('flag values: whole seconds only', () => {
  assert.equal(parseTolerationSeconds('x', '0'), 0);
  assert.equal(parseTolerationSeconds('x', '300'), 300);
  for (const bad of ['-1', '1.5', '', '5s', '99999999999999999999']) assert.throws(() => parseTolerationSeconds('x', bad), /whole number of seconds/);
});

test('the apiserver adds them on create and update, not on status writes, with its configured seconds', async () => {
  const api = await startTestApi({ defaultTolerationSeconds: { notReadySeconds: 11, unreachableSeconds: 12 } });
  try {
    const created = await api.req('POST', '/api/v1/namespaces/default/pods', podWith());
    assert.equal(created.status, 201, created.text);
    const tol = (created.body as Pod).spec!.tolerations;
    assert.deepEqual(tol, [
      { key: NR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 11 },
      { key: UR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 12 },
    ]);
    // dry-run answers the same, and nothing else is written.
    const dry = await api.req('POST', '/api/v1/namespaces/default/pods?dryRun=All', { ...podWith(), metadata: { name: 'dry' } });
    assert.equal((dry.body as Pod).spec!.tolerations!.length, 2);
    // Own tolerations are kept as given.
    const own = await api.req('POST', '/api/v1/namespaces/default/pods', { ...podWith([{ operator: 'Exists' }]), metadata: { name: 'own' } });
    assert.deepEqual((own.body as Pod).spec!.tolerations, [{ operator: 'Exists' }]);
    // A status write leaves the spec alone.
    const st = await api.req('PATCH', '/api/v1/namespaces/default/pods/p/status', { status: { phase: 'Pending' } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(st.status, 200, st.text);
    assert.equal((st.body as Pod).spec!.tolerations!.length, 2);
  } finally {
    await api.stop();
  }
});
