import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodPhase } from '../api/core.js';
import { Expectations } from './expectations.js';
import { compareForDeletion, deletionOrder } from './pod-util.js';

describe('expectations', () => {
  it('are satisfied only once every expected create and delete was observed, or expired', async () => {
    const e = new Expectations(50);
    assert.ok(e.satisfied('ns/a'), 'nothing recorded: satisfied');
    e.expectCreations('ns/a', 2);
    assert.ok(!e.satisfied('ns/a'));
    e.creationObserved('ns/a');
    assert.ok(!e.satisfied('ns/a'));
    e.creationObserved('ns/a');
    assert.ok(e.satisfied('ns/a'));
    e.expectDeletions('ns/a', ['ns/p1', 'ns/p2']);
    e.deletionObserved('ns/a', 'ns/p1');
    e.deletionObserved('ns/a', 'ns/p1'); // twice: still one pending
    assert.ok(!e.satisfied('ns/a'));
    await new Promise((r) => setTimeout(r, 80));
    assert.ok(e.satisfied('ns/a'), 'expired');
  });
});

describe('deletion ranking (ActivePods)', () => {
  const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; created?: string; restarts?: number }): Pod => ({
    metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: (o.phase ?? 'Running') as PodPhase,
      conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'c', ready: !!o.ready, restartCount: o.restarts ?? 0, image: 'i', imageID: '' }],
    },
  });
  it('unassigned, then pending, then not ready, then more restarts, then newer go first', () => {
    const pods = [
      pod('ready-old', { node: 'n', ready: true }),
      pod('ready-new', { node: 'n', ready: true, created: '2026-01-02T00:00:00Z' }),
      pod('notready', { node: 'n' }),
      pod('restarty', { node: 'n', ready: true, restarts: 5 }),
      pod('pending', { node: 'n', phase: 'Pending' }),
      pod('unassigned', { phase: 'Pending' }),
    ];
    assert.deepEqual(pods.sort(compareForDeletion).map((p) => p.metadata.name), ['unassigned', 'pending', 'notready', 'restarty', 'ready-new', 'ready-old']);
  });

  it('with a clock (upstream 1.32: LogarithmicScaleDown): ages compare by log2 bucket, one bucket by uid; pod-deletion-cost first; most restarts of one container', () => {
    const now = Date.parse('2026-01-10T00:00:00Z');
    const at = (msAgo: number) => new Date(now - msAgo).toISOString();
    const p = (name: string, uid: string, created: string, extra: { cost?: string; restarts?: number[] } = {}): Pod => ({
      metadata: { name, uid, creationTimestamp: created, ...(extra.cost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': extra.cost } } : {}) },
      spec: { containers: [], nodeName: 'n' },
      status: { phase: 'Running', containerStatuses: (extra.restarts ?? [0]).map((r, i) => ({ name: `c${i}`, ready: false, restartCount: r, image: 'i', imageID: '' })) },
    });
    const order = (pods: Pod[]) => [...pods].sort(deletionOrder(now)).map((x) => x.metadata.name);
    // 100 s and 101 s old share a log2 bucket (2^36 ns < both < 2^37 ns): the lower uid goes first, not the newer.
    assert.deepEqual(order([p('newer', 'b', at(100_000)), p('older', 'a', at(101_000))]), ['older', 'newer']);
    // 100 s and 300 s old are two buckets apart: the younger goes first.
    assert.deepEqual(order([p('old', 'a', at(300_000)), p('young', 'b', at(100_000))]), ['young', 'old']);
    // Without a clock, exact times: the newer first.
    assert.deepEqual([p('newer', 'b', at(100_000)), p('older', 'a', at(101_000))].sort(compareForDeletion).map((x) => x.metadata.name), ['newer', 'older']);
    // A lower deletion cost goes first whatever the age; a bad value counts 0.
    assert.deepEqual(order([p('cheap', 'a', at(300_000), { cost: '-5' }), p('dear', 'b', at(100_000), { cost: '10' }), p('bad', 'c', at(200_000), { cost: 'x' })]), ['cheap', 'bad', 'dear']);
    // The most restarts of one container counts, not the sum.
    assert.deepEqual(order([p('spread', 'a', at(100_000), { restarts: [2, 2, 2] }), p('one', 'b', at(100_000), { restarts: [0, 5] })]), ['one', 'spread']);
  });
});
