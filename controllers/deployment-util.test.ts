import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployment, rs } from '../testing/deployment-objects.js';
import {
  computeHash,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  maxRevision,
  maxSurge,
  maxUnavailable,
  resolveFenceposts,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  safeEncodeString,
  setNewReplicaSetAnnotations,
} from './deployment-util.js';
import { scaledValue } from './scaled-value.js';

describe('deployment util', () => {
  it('percentages: surge rounds up, unavailable rounds down; both 0 makes unavailable 1', () => {
    const table: [number | string, number | string, number, number, number][] = [
      // surge, unavailable, replicas → surge, unavailable
      ['25%', '25%', 10, 3, 2],
      ['25%', '25%', 4, 1, 1],
      ['25%', '25%', 1, 1, 0],
      ['0%', '0%', 10, 0, 1],
      [0, 0, 3, 0, 1],
      [1, 0, 3, 1, 0],
      ['50%', '50%', 3, 2, 1],
      ['100%', '0%', 5, 5, 0],
      [2, '10%', 9, 2, 0],
    ];
    for (const [s, u, n, ws, wu] of table) assert.deepEqual(resolveFenceposts(s, u, n), { surge: ws, unavailable: wu }, `${s}/${u} of ${n}`);
    assert.throws(() => scaledValue('12', 10, true, 0));
    assert.throws(() => scaledValue('x%', 10, true, 0));
  });

  it('maxUnavailable is capped at replicas and 0 for Recreate or 0 replicas; maxSurge 0 for Recreate', () => {
    assert.equal(maxUnavailable(deployment(2, 0, 5)), 2);
    assert.equal(maxUnavailable(deployment(0, 1, 1)), 0);
    const rec = deployment(3, 1, 1, { strategy: { type: 'Recreate' } });
    assert.equal(maxUnavailable(rec), 0);
    assert.equal(maxSurge(rec), 0);
    assert.equal(maxSurge(deployment(10)), 3);
  });

  it('hash: stable across key order, changes with the template and the collision count, safe alphabet', () => {
    const t1 = { metadata: { labels: { app: 'web', tier: 'a' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } };
    const t2 = { spec: { containers: [{ image: 'v1', name: 'c' }] }, metadata: { labels: { tier: 'a', app: 'web' } } };
    const h = computeHash(t1);
    assert.equal(computeHash(t2), h);
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.notEqual(computeHash({ ...t1, spec: { containers: [{ name: 'c', image: 'v2' }] } }), h);
    assert.notEqual(computeHash(t1, 1), h);
    assert.notEqual(computeHash(t1, 1), computeHash(t1, 2));
    assert.equal(computeHash(t1, 1), computeHash(t1, 1));
    // Decimal digits map onto the alphabet as upstream's SafeEncodeString does ('0' is 48, 48 % 27 = 21).
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });

  it('the new RS is the oldest whose template equals the deployment\'s, the hash label aside', () => {
    const d = deployment(3);
    const a = rs('a', 3, 3, { image: 'v1', created: 1 });
    const b = rs('b', 0, 0, { image: 'v2', created: 3 });
    const c = rs('c', 0, 0, { image: 'v2', created: 2 });
    assert.equal(findNewReplicaSet(d, [a, b, c])?.metadata.name, 'c');
    assert.equal(findNewReplicaSet(d, [a]), undefined);
    assert.ok(equalIgnoreHash(b.spec?.template, d.spec?.template));
    assert.ok(!equalIgnoreHash(a.spec?.template, d.spec?.template));
    // What Go decodes to the same value compares equal: a null creationTimestamp, empty resources.
    const goStyle = { metadata: { creationTimestamp: null as unknown as string, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v2', resources: {} }] } };
    assert.ok(equalIgnoreHash(goStyle, d.spec?.template));
    assert.equal(computeHash(goStyle), computeHash(d.spec?.template));
    assert.ok(equalIgnoreHash({ metadata: { labels: { 'pod-template-hash': 'x' } } }, {}));
  });

  it('revisions: a new RS gets max+1 and the replicas annotations; a re-used one moves up and remembers its old revision', () => {
    const d = deployment(4, 1, 0);
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'set image', 'kubectl.kubernetes.io/last-applied-configuration': '{}', [REVISION_ANNOTATION]: '2' };
    const fresh = rs('n', 0, 0);
    fresh.metadata.annotations = {};
    assert.equal(setNewReplicaSetAnnotations(d, fresh, 3, false), true);
    assert.deepEqual(fresh.metadata.annotations, {
      'kubernetes.io/change-cause': 'set image',
      [REVISION_ANNOTATION]: '3',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });
    // A rollback: revision 1 becomes revision 3, with history "1".
    const old = rs('o', 0, 0, { revision: 1 });
    assert.equal(setNewReplicaSetAnnotations(d, old, 3, true), true);
    assert.equal(old.metadata.annotations?.[REVISION_ANNOTATION], '3');
    assert.equal(old.metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
    assert.equal(setNewReplicaSetAnnotations(d, old, 3, true), false, 'nothing to change the second time');
    // Revisions never go down; a non-numeric one is left alone.
    const high = rs('h', 0, 0, { revision: 7 });
    setNewReplicaSetAnnotations(d, high, 3, true);
    assert.equal(high.metadata.annotations?.[REVISION_ANNOTATION], '7');
    const odd = rs('x', 0, 0);
    odd.metadata.annotations = { [REVISION_ANNOTATION]: 'abc' };
    setNewReplicaSetAnnotations(d, odd, 3, true);
    assert.equal(odd.metadata.annotations[REVISION_ANNOTATION], 'abc');
    assert.equal(maxRevision([rs('a', 0, 0, { revision: 2 }), rs('b', 0, 0, { revision: 10 }), odd]), 10);
  });

  it('findActiveOrLatest: the one active RS, the newest when none is, nothing when several are', () => {
    const a = rs('a', 0, 0, { created: 1 });
    const b = rs('b', 0, 0, { created: 2 });
    const c = rs('c', 2, 2, { created: 3 });
    assert.equal(findActiveOrLatest(undefined, [a, b])?.metadata.name, 'b');
    assert.equal(findActiveOrLatest(a, [b])?.metadata.name, 'a');
    assert.equal(findActiveOrLatest(a, [b, c])?.metadata.name, 'c');
    assert.equal(findActiveOrLatest(rs('n', 1, 0), [c]), undefined);
  });
});
