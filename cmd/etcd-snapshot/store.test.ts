import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkName, dbPath, listSnapshots, metaPath, prune, readMeta, removeSnapshot, toPrune, verifySnapshot, writeSnapshot, type SnapshotMeta } from './store.js';

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield await Promise.resolve(Buffer.from(p));
}

const base = (createdAt: string, scheduled = true) => () => ({ createdAt, revision: '7', scheduled, nodeName: 'n', tskubeVersion: '0.1.0', storageFormat: 1 });

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'tkt-snapstore-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a written snapshot has its bytes, and metadata with their size and sha256; no temp file is left', () =>
  withDir(async (dir) => {
    const m = await writeSnapshot(dir, 'a-n-1', chunks('hello ', 'world'), base('2026-01-01T00:00:00.000Z'));
    assert.equal(await readFile(dbPath(dir, 'a-n-1'), 'utf8'), 'hello world');
    assert.equal(m.size, 11);
    assert.equal(m.sha256, 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9');
    assert.deepEqual(await readMeta(metaPath(dir, 'a-n-1')), m);
    assert.deepEqual((await readdir(dir)).sort(), ['a-n-1.db', 'a-n-1.json']);
    await verifySnapshot(dbPath(dir, 'a-n-1'), m);
    await assert.rejects(writeSnapshot(dir, 'a-n-1', chunks('x'), base('2026-01-01T00:00:01.000Z')), /already exists/);
  }));

test('a stream that fails leaves nothing behind', () =>
  withDir(async (dir) => {
    async function* broken(): AsyncIterable<Uint8Array> {
      yield await Promise.resolve(Buffer.from('part'));
      throw new Error('etcd went away');
    }
    await assert.rejects(writeSnapshot(dir, 'b', broken(), base('2026-01-01T00:00:00.000Z')), /not written: etcd went away/);
    assert.deepEqual(await readdir(dir), []);
    assert.deepEqual(await listSnapshots(dir), []);
  }));

test('truncated or altered files fail verification, saying which', () =>
  withDir(async (dir) => {
    const m = await writeSnapshot(dir, 'c', chunks('0123456789'), base('2026-01-01T00:00:00.000Z'));
    await writeFile(dbPath(dir, 'c'), '0123456780');
    await assert.rejects(verifySnapshot(dbPath(dir, 'c'), m), /corrupted; refusing it/);
    await truncate(dbPath(dir, 'c'), 4);
    await assert.rejects(verifySnapshot(dbPath(dir, 'c'), m), /is 4 bytes, its metadata says 10: truncated/);
    await writeFile(metaPath(dir, 'c'), '{"name":"c"}');
    await assert.rejects(readMeta(metaPath(dir, 'c')), /malformed/);
  }));

test('names: no slash, no .., no leading dot, no empty', () => {
  for (const bad of ['', '..', '../x', 'a/b', '.hidden', 'a..b', 'x'.repeat(201), 'a b', '__proto__/x', '__proto__']) assert.throws(() => checkName(bad), /invalid snapshot name/, bad);
  for (const ok of ['on-demand-node-1700000000', 'etcd-snapshot-a.b_c-1']) checkName(ok);
});

test('rm refuses bad names and unknown snapshots', () =>
  withDir(async (dir) => {
    await assert.rejects(removeSnapshot(dir, '../etc'), /invalid snapshot name/);
    await assert.rejects(removeSnapshot(dir, 'none'), /not found/);
  }));

test('retention keeps the newest scheduled snapshots and never prunes on-demand ones', () =>
  withDir(async (dir) => {
    const snaps: SnapshotMeta[] = [];
    for (let i = 0; i < 5; i++) snaps.push(await writeSnapshot(dir, `etcd-snapshot-n-${i}`, chunks(`s${i}`), base(`2026-01-01T00:00:0${i}.000Z`)));
    await writeSnapshot(dir, 'on-demand-n-0', chunks('manual'), base('2025-12-31T00:00:00.000Z', false));
    assert.deepEqual(toPrune(snaps.slice().reverse(), 2), ['etcd-snapshot-n-0', 'etcd-snapshot-n-1', 'etcd-snapshot-n-2']);
    assert.deepEqual(toPrune(snaps, 10), []);
    assert.deepEqual(await prune(dir, 2), ['etcd-snapshot-n-0', 'etcd-snapshot-n-1', 'etcd-snapshot-n-2']);
    assert.deepEqual(
      (await listSnapshots(dir)).map((s) => s.name),
      ['on-demand-n-0', 'etcd-snapshot-n-3', 'etcd-snapshot-n-4'],
    );
    assert.deepEqual((await readdir(dir)).length, 6);
  }));
