import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../api/core.js';
import type { PodStats, Summary } from '../api/stats.js';
import { admitUnderPressure, EvictionManager, type EvictionDeps } from './eviction-manager.js';
import type { PressureCondition } from './eviction-signals.js';
import { parseThresholds } from './eviction-thresholds.js';

const Mi = 1024 ** 2;
const at = '2026-01-01T00:00:00Z';

function pod(name: string, o: { guaranteed?: boolean; static?: boolean; grace?: number } = {}): Pod {
  const resources = o.guaranteed ? { requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '100m', memory: '100Mi' } } : {};
  return {
    metadata: { name, namespace: 'd', uid: name, ...(o.static ? { annotations: { 'kubernetes.io/config.source': 'file' } } : {}) },
    spec: { containers: [{ name: 'c', image: 'busybox', resources }], ...(o.grace !== undefined ? { terminationGracePeriodSeconds: o.grace } : {}) },
  };
}
const stats = (uid: string, mem: number, disk = 0): PodStats => ({ podRef: { name: uid, namespace: 'd', uid }, startTime: at, containers: [], memory: { time: at, workingSetBytes: mem }, 'ephemeral-storage': { time: at, usedBytes: disk } });

/** A node whose readings the test sets; records what the manager does. */
function fakeNode(pods: Pod[]) {
  const s = { memAvail: 1000 * Mi, fsAvail: 500 * Mi, pods: [] as PodStats[], reclaimFrees: 0 };
  const did: string[] = [];
  let now = 0;
  const deps: EvictionDeps = {
    summary: () => Promise.resolve<Summary>({ node: { nodeName: 'n', startTime: at, memory: { time: at, availableBytes: s.memAvail, workingSetBytes: 1000 * Mi }, fs: { time: at, availableBytes: s.fsAvail, capacityBytes: 1000 * Mi } }, pods: s.pods }),
    activePods: () => pods,
    allocatableMemory: () => undefined,
    evict: (p, grace, message) => {
      did.push(`evict ${p.metadata.name} grace=${grace} ${message.split('. ')[0]}`);
      pods.splice(pods.indexOf(p), 1);
      return Promise.resolve();
    },
    reclaimDisk: () => {
      did.push('reclaim');
      s.fsAvail += s.reclaimFrees;
      return Promise.resolve();
    },
    conditionsChanged: (c) => did.push(`conditions [${[...c].join(',')}]`),
    nodeEvent: (_t, reason, message) => did.push(`${reason}: ${message}`),
    log: () => undefined,
    now: () => now,
  };
  return { s, did, deps, tick: (ms: number) => (now += ms) };
}

test('memory: the BestEffort pod over its request goes first, one per round, Guaranteed and static ones kept', async () => {
  const pods = [pod('static', { static: true }), pod('g', { guaranteed: true }), pod('be')];
  const n = fakeNode(pods);
  n.s.pods = [stats('static', 500 * Mi), stats('g', 90 * Mi), stats('be', 300 * Mi)];
  n.s.memAvail = 50 * Mi;
  const m = new EvictionManager({ thresholds: parseThresholds({}), pressureTransitionMs: 5000, maxPodGracePeriodSeconds: 0 }, n.deps);
  const evicted = await m.synchronize();
  assert.equal(evicted?.metadata.name, 'be');
  assert.deepEqual(n.did, ['conditions [MemoryPressure]', 'EvictionThresholdMet: Attempting to reclaim memory', 'evict be grace=1 The node was low on resource: memory']);
  // Still low: the next round takes the Guaranteed one (static pods are never evicted).
  assert.equal((await m.synchronize())?.metadata.name, 'g');
  assert.equal(await m.synchronize(), undefined);
  assert.deepEqual([...m.conditions], ['MemoryPressure']);
});

test('disk: node-level reclaim first; a pod is evicted only if that was not enough; the condition outlasts the threshold by the transition period', async () => {
  const pods = [pod('quiet'), pod('writer')];
  const n = fakeNode(pods);
  n.s.pods = [stats('quiet', 0, Mi), stats('writer', 0, 300 * Mi)];
  n.s.fsAvail = 50 * Mi;
  n.s.reclaimFrees = 100 * Mi;
  const m = new EvictionManager({ thresholds: parseThresholds({ hard: 'nodefs.available<10%' }), pressureTransitionMs: 5000, maxPodGracePeriodSeconds: 0 }, n.deps);
  assert.equal(await m.synchronize(), undefined, 'reclaim freed enough');
  assert.deepEqual(n.did, ['conditions [DiskPressure]', 'EvictionThresholdMet: Attempting to reclaim ephemeral-storage', 'reclaim']);
  n.did.length = 0;
  n.s.fsAvail = 20 * Mi;
  n.s.reclaimFrees = 10 * Mi;
  assert.equal((await m.synchronize())?.metadata.name, 'writer');
  assert.deepEqual(n.did.slice(1), ['reclaim', 'evict writer grace=1 The node was low on resource: ephemeral-storage']);
  n.s.fsAvail = 500 * Mi;
  n.tick(4000);
  await m.synchronize();
  assert.deepEqual([...m.conditions], ['DiskPressure'], 'held for the transition period');
  n.tick(1000);
  await m.synchronize();
  assert.deepEqual([...m.conditions], []);
});

test('soft thresholds wait for their grace period and cap the pod grace at --eviction-max-pod-grace-period', async () => {
  const pods = [pod('be', { grace: 60 })];
  const n = fakeNode(pods);
  n.s.pods = [stats('be', 300 * Mi)];
  n.s.memAvail = 500 * Mi;
  const m = new EvictionManager({ thresholds: parseThresholds({ hard: '', soft: 'memory.available<1Gi', softGracePeriod: 'memory.available=10s' }), pressureTransitionMs: 0, maxPodGracePeriodSeconds: 20 }, n.deps);
  assert.equal(await m.synchronize(), undefined);
  n.tick(9000);
  assert.equal(await m.synchronize(), undefined);
  n.tick(1000);
  assert.equal((await m.synchronize())?.metadata.name, 'be');
  assert.ok(n.did.includes('evict be grace=20 The node was low on resource: memory'));
});

test('admission under pressure: BestEffort refused under memory pressure, every pod under disk pressure, critical pods never', () => {
  const mem = new Set<PressureCondition>(['MemoryPressure']);
  assert.deepEqual(admitUnderPressure(pod('be'), mem), { reason: 'Evicted', message: 'The node had condition: [MemoryPressure]. ' });
  assert.equal(admitUnderPressure(pod('g', { guaranteed: true }), mem), undefined);
  assert.deepEqual(admitUnderPressure(pod('g', { guaranteed: true }), new Set<PressureCondition>(['DiskPressure', 'MemoryPressure'])), { reason: 'Evicted', message: 'The node had condition: [DiskPressure MemoryPressure]. ' });
  const tolerant = pod('t');
  tolerant.spec!.tolerations = [{ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' }];
  assert.equal(admitUnderPressure(tolerant, mem), undefined);
  assert.equal(admitUnderPressure(pod('s', { static: true }), new Set<PressureCondition>(['DiskPressure'])), undefined);
  assert.equal(admitUnderPressure(pod('be'), new Set()), undefined);
});
