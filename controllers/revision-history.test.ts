import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision } from '../api/apps.js';
import { equalRevisions, fnv32a, hashRevisionData, newRevision, nextRevisionNumber, revisionName, revisionsToPrune, safeEncodeString, templatePatch } from './revision-history.js';

const parent = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };
const tpl = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const rev = (name: string, revision: number, image: string): ControllerRevision => ({ metadata: { name }, revision, data: templatePatch(tpl(image)) });

describe('ControllerRevision history', () => {
  it('FNV-32a matches the reference vectors', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    assert.equal(fnv32a(enc('')), 0x811c9dc5);
    assert.equal(fnv32a(enc('a')), 0xe40c292c);
    assert.equal(fnv32a(enc('foobar')), 0xbf9cf968);
  });

  it('safe encoding uses only the no-vowel alphabet', () => {
    assert.match(safeEncodeString('1234567890'), /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });

  it('the hash depends on the template and the collision count, not on key order', () => {
    const a = hashRevisionData(templatePatch(tpl('busybox:1')));
    assert.equal(hashRevisionData(templatePatch({ spec: { containers: [{ image: 'busybox:1', name: 'c' }] }, metadata: { labels: { app: 'web' } } })), a);
    assert.notEqual(hashRevisionData(templatePatch(tpl('busybox:2'))), a);
    assert.notEqual(hashRevisionData(templatePatch(tpl('busybox:1')), 1), a);
    assert.notEqual(hashRevisionData(templatePatch(tpl('busybox:1')), 1), hashRevisionData(templatePatch(tpl('busybox:1')), 2));
  });

  it('a new revision: named <parent>-<hash>, template labels plus the hash label, owned by the parent, data replaces the template', () => {
    const r = newRevision(parent, tpl('busybox:1'), 3, undefined);
    const hash = r.metadata?.labels?.['controller-revision-hash'];
    assert.ok(hash);
    assert.equal(r.metadata?.name, `web-${hash}`);
    assert.equal(r.metadata?.labels?.app, 'web');
    assert.equal(r.revision, 3);
    assert.deepEqual(r.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(r.data, { spec: { template: { ...tpl('busybox:1'), $patch: 'replace' } } });
    assert.equal(revisionName('x'.repeat(300), 'h').length, 225);
  });

  it('numbers, equality and pruning', () => {
    const revs = [rev('a', 1, 'i1'), rev('b', 2, 'i2'), rev('c', 3, 'i3'), rev('d', 4, 'i4')];
    assert.equal(nextRevisionNumber([]), 1);
    assert.equal(nextRevisionNumber(revs), 5);
    assert.deepEqual(equalRevisions(revs, newRevision(parent, tpl('i2'), 5, undefined)).map((r) => r.metadata?.name), ['b']);
    assert.deepEqual(equalRevisions(revs, newRevision(parent, tpl('i9'), 5, undefined)), []);
    // Limit 1 with d live: of a, b, c the two oldest go.
    assert.deepEqual(revisionsToPrune(revs, new Set(['d']), 1).map((r) => r.metadata?.name), ['a', 'b']);
    // A live old revision (a pod still runs it) is kept even when over the limit.
    assert.deepEqual(revisionsToPrune(revs, new Set(['d', 'a']), 0).map((r) => r.metadata?.name), ['b', 'c']);
    assert.deepEqual(revisionsToPrune(revs, new Set(['d']), 10), []);
  });
});
