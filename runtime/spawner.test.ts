import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnCaptured } from './spawner.js';

test('commands run from the helper process, with exit codes, output and input as execFile gives them', async () => {
  const r = await spawnCaptured('sh', ['-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.error?.code, 3);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal((await spawnCaptured('cat', [], { input: 'in\n' })).stdout, 'in\n');
  assert.equal((await spawnCaptured('/nonexistent-tkt', [])).error?.code, 'ENOENT');
  const killed = await spawnCaptured('sleep', ['5'], { timeoutMs: 100 });
  assert.equal(killed.error?.killed, true);
  // The parent of the command is the helper, not this process.
  const ppid = Number((await spawnCaptured('sh', ['-c', 'echo $PPID'])).stdout);
  assert.ok(ppid > 0 && ppid !== process.pid, `parent ${ppid}`);
  // Many at once, each answered once.
  const many = await Promise.all(Array.from({ length: 50 }, (_, i) => spawnCaptured('echo', [String(i)])));
  assert.deepEqual(many.map((m) => Number(m.stdout)), Array.from({ length: 50 }, (_, i) => i));
});
