// The node-side times of a pod's path, read from a runtime state dir laid out as runtime.ts
// writes it (records written here by hand: this tests the reading, not the runtime).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeTimes, stepSamples, POD_PATH_STEPS, type PodPathTimes } from './pod-path.js';

function sandbox(dir: string, id: string, uid: string, createdAt: number, begunMs: number): void {
  mkdirSync(join(dir, 'sandboxes', id), { recursive: true });
  writeFileSync(join(dir, 'sandboxes', id, 'sandbox.json'), JSON.stringify({ id, createdAt, config: { metadata: { uid } } }));
  writeFileSync(join(dir, 'sandboxes', id, 'pause.conf'), 'new_net 1\n');
  utimesSync(join(dir, 'sandboxes', id, 'pause.conf'), begunMs / 1000, begunMs / 1000);
}

function container(dir: string, id: string, sandboxId: string, startedMs?: number): void {
  mkdirSync(join(dir, 'containers', id), { recursive: true });
  writeFileSync(join(dir, 'containers', id, 'container.json'), JSON.stringify({ id, sandboxId }));
  if (startedMs !== undefined) writeFileSync(join(dir, 'containers', id, 'started'), `pid=12\nmonitor_pid=11\nstarted_ns=${BigInt(Math.round(startedMs * 1000)) * 1000n}\n`);
}

test('nodeTimes: the pod\'s latest sandbox and its first started container; undefined until started', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pod-path-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(nodeTimes(dir, 'u1'), undefined, 'no state dir content yet');
  sandbox(dir, 'old', 'u1', 1_700_000_000_000, 1_699_999_999_990);
  sandbox(dir, 'new', 'u1', 1_700_000_001_000, 1_700_000_000_980);
  sandbox(dir, 'other', 'u2', 1_700_000_002_000, 1_700_000_001_990);
  container(dir, 'c-new', 'new');
  assert.equal(nodeTimes(dir, 'u1'), undefined, 'the container has not started');
  container(dir, 'c-old', 'old', 1_700_000_000_005.5);
  container(dir, 'c-other', 'other', 1_700_000_002_003);
  container(dir, 'c-new', 'new', 1_700_000_001_004.25);
  const got = nodeTimes(dir, 'u1')!;
  assert.equal(got.sandboxReady, 1_700_000_001_000);
  assert.equal(got.sandboxBegun, 1_700_000_000_980);
  assert.equal(got.containerStarted, 1_700_000_001_004.25);
});

test('stepSamples: each step from its start time to its end time, in the order of the path', () => {
  const run: PodPathTimes = { post: 0, created: 5, bound: 9, sandboxBegun: 12, sandboxReady: 20, containerStarted: 31, running: 40 };
  const s = stepSamples([run, { ...run, running: 45 }]);
  assert.deepEqual([...s.keys()], POD_PATH_STEPS.map(([n]) => n));
  assert.deepEqual(s.get('create'), [5, 5]);
  assert.deepEqual(s.get('kubelet_pickup'), [3, 3]);
  assert.deepEqual(s.get('status_to_watch'), [9, 14]);
  // The steps add up to the whole path.
  assert.equal([...s.values()].reduce((a, v) => a + v[0], 0), run.running - run.post);
});
