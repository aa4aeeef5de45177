// createExclusive: the final file appears with its content or not at all; removeDeadTemps
// removes only temp files of processes that are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExclusive, removeDeadTemps } from './exclusive-file.js';
import { IPAM } from './ipam.js';

const withDir = async (fn: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), 'tkexcl-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('createExclusive makes the file with its content once, leaves no temp file', () => withDir(async (dir) => {
  const p = join(dir, '10.0.0.2');
  assert.equal(await createExclusive(p, 'owner-a'), true);
  assert.equal(await createExclusive(p, 'owner-b'), false);
  assert.equal(readFileSync(p, 'utf8'), 'owner-a');
  assert.deepEqual(readdirSync(dir), ['10.0.0.2']);
}));

test('removeDeadTemps removes a dead process\'s temp file and keeps a live one\'s', () => withDir(async (dir) => {
  // pid 2^22+1 is above pid_max's ceiling: never alive.
  writeFileSync(join(dir, '.lock.4194305.0123abcd.tmp'), '1');
  writeFileSync(join(dir, `.lock.${process.pid}.0123abcd.tmp`), '1');
  writeFileSync(join(dir, 'other'), '1');
  await removeDeadTemps(dir);
  assert.deepEqual(readdirSync(dir).sort(), [`.lock.${process.pid}.0123abcd.tmp`, 'other']);
}));

test('IPAM.removeDebris frees an ownerless address only once it is old', () => withDir(async (dir) => {
  const ipam = new IPAM('10.9.0.0/29', dir);
  const a = await ipam.allocate('sandbox-a');
  const empty = join(dir, '10.9.0.5');
  writeFileSync(empty, '');
  await ipam.removeDebris();
  assert.ok(readdirSync(dir).includes('10.9.0.5'), 'a fresh empty file may be a concurrent writer of an older version: kept');
  const old = (Date.now() - 10_000) / 1000;
  utimesSync(empty, old, old);
  await ipam.removeDebris();
  assert.ok(!readdirSync(dir).includes('10.9.0.5'));
  assert.equal(await ipam.lookup('sandbox-a'), a, 'owned addresses stay');
}));
