// FileLock: a lock left empty (by an older version killed between create and write) is taken
// over once stale; a fresh empty one is waited for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLock } from './lock.js';

test('an empty lock file older than 2 s is taken over; a fresh one is waited for', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tklock-'));
  try {
    const path = join(dir, 'lock');
    writeFileSync(path, '');
    const old = (Date.now() - 10_000) / 1000;
    utimesSync(path, old, old);
    assert.equal(await new FileLock(path).run(() => Promise.resolve('ran')), 'ran');

    writeFileSync(path, '');
    let ran = false;
    const waiting = new FileLock(path).run(() => Promise.resolve((ran = true)));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ran, false, 'a fresh empty lock is held');
    await waiting;
    assert.equal(ran, true, 'taken over once stale');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runs queued in one process share one hold of the file; another holder gets it within 32 runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tklock-'));
  try {
    const path = join(dir, 'lock');
    const a = new FileLock(path);
    const seen: string[] = [];
    const order: string[] = [];
    // Between queued runs of `a` the file stays, with this pid in it.
    await Promise.all([0, 1, 2].map((i) => a.run(() => {
      seen.push(readFileSync(path, 'utf8'));
      order.push(`a${i}`);
      return Promise.resolve();
    })));
    assert.deepEqual(seen, Array(3).fill(String(process.pid)));
    assert.equal(existsSync(path), false, 'removed after the last queued run');

    // `b` stands for another process (its own chain, same file): it waits while `a` holds the
    // file, but `a` lets go after 32 runs in a row even though more are queued.
    order.length = 0;
    const as = Array.from({ length: 40 }, (_, i) => a.run(async () => { order.push(`a${i}`); await new Promise((r) => setTimeout(r, 2)); }));
    await new Promise((r) => setTimeout(r, 5));
    const b = new FileLock(path).run(async () => {
      order.push('b');
      await new Promise((r) => setTimeout(r, 50));
    });
    await Promise.all([...as, b]);
    const bAt = order.indexOf('b');
    assert.ok(bAt > 0 && bAt <= 32, `b ran at ${bAt}`);
    assert.equal(existsSync(path), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
