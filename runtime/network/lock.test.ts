// FileLock: a lock left empty (by an older version killed between create and write) is taken
// over once stale; a fresh empty one is waited for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
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
