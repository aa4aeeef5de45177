// PodProbes against a recording runtime: probes run while synced, and nothing runs once closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from '../api/core.js';
import type { RuntimeService } from '../runtime/cri.js';
import { PodProbes } from './probes.js';

function recordingRuntime(calls: string[]): RuntimeService {
  const rt: Partial<RuntimeService> = {
    execSync: (id: string) => {
      calls.push(id);
      return Promise.resolve({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 1, timedOut: false });
    },
  };
  return rt as RuntimeService;
}

const spec: Container = { name: 'main', image: 'x', readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a readiness probe runs at once, and stop() ends it', async () => {
  const calls: string[] = [];
  const p = new PodProbes(recordingRuntime(calls), () => '', { onChange: () => undefined, onFailure: () => undefined });
  p.sync([{ id: 'c1', spec }]);
  await sleep(50);
  assert.deepEqual(calls, ['c1']);
  assert.equal(p.ready('c1'), false);
  p.stop();
  p.sync([{ id: 'c2', spec }]);
  await sleep(50);
  assert.deepEqual(calls, ['c1', 'c2'], 'a sync after stop() probes again (the pod restarts containers)');
  p.stop();
});

test('after close() a sync starts no probe (a sync in flight when the kubelet stopped)', async () => {
  const calls: string[] = [];
  const p = new PodProbes(recordingRuntime(calls), () => '', { onChange: () => undefined, onFailure: () => undefined });
  p.close();
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  p.sync([{ id: 'c1', spec }]);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before, 'no timer was set');
  await sleep(50);
  assert.deepEqual(calls, []);
});
