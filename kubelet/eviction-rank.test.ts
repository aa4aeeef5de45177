import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../api/core.js';
import type { PodStats } from '../api/stats.js';
import { evictionMessage, isCritical, rankForEviction } from './eviction-rank.js';
import { observe } from './eviction-signals.js';
import { parseThresholds } from './eviction-thresholds.js';

const Mi = 1024 ** 2;
const at = '2026-01-01T00:00:00Z';

function pod(name: string, o: { req?: string; lim?: string; priority?: number; annotations?: Record<string, string> } = {}): Pod {
  const resources = o.req ? { requests: { memory: o.req, 'ephemeral-storage': o.req }, ...(o.lim ? { limits: { memory: o.lim } } : {}) } : {};
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'd', uid: name, ...(o.annotations ? { annotations: o.annotations } : {}) }, spec: { containers: [{ name: 'c', image: 'busybox', resources }], ...(o.priority !== undefined ? { priority: o.priority } : {}) } };
}

function stats(uid: string, mem: number, disk = 0): PodStats {
  return {
    podRef: { name: uid, namespace: 'd', uid },
    startTime: at,
    containers: [{ name: 'c', startTime: at, memory: { time: at, workingSetBytes: mem }, logs: { time: at, usedBytes: disk } }],
    memory: { time: at, workingSetBytes: mem },
    'ephemeral-storage': { time: at, usedBytes: disk },
  };
}

test('memory: over-request first, then lower priority, then most over request', () => {
  const pods = [pod('guaranteed', { req: '100Mi', lim: '100Mi' }), pod('burstable-within', { req: '200Mi' }), pod('besteffort-small'), pod('burstable-over', { req: '10Mi' }), pod('besteffort-big'), pod('besteffort-important', { priority: 1000 })];
  const st = new Map([
    ['guaranteed', stats('guaranteed', 90 * Mi)],
    ['burstable-within', stats('burstable-within', 150 * Mi)],
    ['besteffort-small', stats('besteffort-small', 5 * Mi)],
    ['burstable-over', stats('burstable-over', 60 * Mi)],
    ['besteffort-big', stats('besteffort-big', 300 * Mi)],
    ['besteffort-important', stats('besteffort-important', 400 * Mi)],
  ]);
  assert.deepEqual(rankForEviction(pods, st, 'memory.available').map((p) => p.metadata.name), ['besteffort-big', 'burstable-over', 'besteffort-small', 'besteffort-important', 'guaranteed', 'burstable-within']);
});

test('disk: by ephemeral storage over its request', () => {
  const pods = [pod('quiet'), pod('writer'), pod('reserved', { req: '1Gi' })];
  const st = new Map([
    ['quiet', stats('quiet', 0, 1000)],
    ['writer', stats('writer', 0, 80 * Mi)],
    ['reserved', stats('reserved', 0, 500 * Mi)],
  ]);
  assert.deepEqual(rankForEviction(pods, st, 'nodefs.available').map((p) => p.metadata.name), ['writer', 'quiet', 'reserved']);
});

test('static, mirror and system-critical pods are critical', () => {
  assert.equal(isCritical(pod('a', { annotations: { 'kubernetes.io/config.source': 'file' } })), true);
  assert.equal(isCritical(pod('a', { annotations: { 'kubernetes.io/config.mirror': 'x' } })), true);
  assert.equal(isCritical(pod('a', { priority: 2_000_000_000 })), true);
  assert.equal(isCritical(pod('a', { annotations: { 'kubernetes.io/config.source': 'api' } })), false);
});

test("the Evicted message in upstream's words", () => {
  const t = parseThresholds({ hard: 'memory.available<100Mi' })[0];
  const obs = observe({ node: { nodeName: 'n', startTime: at, memory: { time: at, availableBytes: 90 * Mi, workingSetBytes: 910 * Mi } }, pods: [] });
  assert.equal(
    evictionMessage(pod('hog'), stats('hog', 300 * Mi), t, obs),
    'The node was low on resource: memory. Threshold quantity: 100Mi, available: 90Mi. Container c was using 300Mi, request is 0, has larger consumption of memory. ',
  );
  // Within its request: no container sentence.
  assert.equal(evictionMessage(pod('g', { req: '500Mi' }), stats('g', 300 * Mi), t, obs), 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 90Mi. ');
  const disk = parseThresholds({ hard: 'nodefs.available<10%' })[0];
  const dobs = observe({ node: { nodeName: 'n', startTime: at, fs: { time: at, availableBytes: 50 * Mi, capacityBytes: 1000 * Mi } }, pods: [] });
  assert.equal(evictionMessage(pod('w'), stats('w', 0, 80 * Mi), disk, dobs), 'The node was low on resource: ephemeral-storage. Threshold quantity: 100Mi, available: 50Mi. Container w was using 80Mi, request is 0, has larger consumption of ephemeral-storage. '.replace('Container w', 'Container c'));
});
