import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planVersion, readDataVersion, STORAGE_FORMAT, TSKUBE_VERSION, VERSION_FILE, writeDataVersion } from './data-version.js';

test('TSKUBE_VERSION is the package version', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(TSKUBE_VERSION, pkg.version);
});

test('plan: fresh, current, older and unversioned data are started, used, migrated; newer is refused', () => {
  assert.deepEqual(planVersion(undefined, false, '/d'), { action: 'create' });
  assert.deepEqual(planVersion(undefined, true, '/d'), { action: 'migrate', from: 0 });
  assert.deepEqual(planVersion({ tskubeVersion: '0.0.9', storageFormat: STORAGE_FORMAT - 1 }, true, '/d'), { action: 'migrate', from: STORAGE_FORMAT - 1 });
  assert.deepEqual(planVersion({ tskubeVersion: TSKUBE_VERSION, storageFormat: STORAGE_FORMAT }, true, '/d'), { action: 'current' });
  assert.throws(() => planVersion({ tskubeVersion: '9.0.0', storageFormat: STORAGE_FORMAT + 1 }, true, '/d'), /\/d was written by tskube 9\.0\.0 in storage format 2; this tskube 0\.1\.0 reads formats up to 1/);
});

test('the version file is written atomically and read back; a malformed one is an error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tkt-dataver-'));
  try {
    assert.equal(await readDataVersion(dir), undefined);
    await writeDataVersion(dir);
    assert.deepEqual(await readDataVersion(dir), { tskubeVersion: TSKUBE_VERSION, storageFormat: STORAGE_FORMAT });
    assert.deepEqual(await readdir(dir), [VERSION_FILE]);
    await writeFile(join(dir, VERSION_FILE), '{"tskubeVersion":"x","storageFormat":-1}');
    await assert.rejects(readDataVersion(dir), /malformed/);
    await writeFile(join(dir, VERSION_FILE), 'nope');
    await assert.rejects(readDataVersion(dir), /not JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
