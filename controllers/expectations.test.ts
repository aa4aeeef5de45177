import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodPhase } from '../api/core.js';
import { Expectations } from './expectations.js';
import { compareForDeletion } from './pod-util.js';

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
});
