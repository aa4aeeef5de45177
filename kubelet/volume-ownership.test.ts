import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import { requiresOwnershipChange, setVolumeOwnership } from './volume-ownership.js';
import { containerMounts, mountSubPath, VolumeError } from './volumes.js';

const GID = 4321;

function tree(): { dir: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), 'own-test-'));
  const dir = join(root, 'vol');
  const outside = join(root, 'outside');
  mkdirSync(join(dir, 'sub'), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'f'), 'x', { mode: 0o600 });
  writeFileSync(join(dir, 'sub', 'g'), 'y', { mode: 0o644 });
  writeFileSync(outside, 'host file', { mode: 0o600 });
  symlinkSync(outside, join(dir, 'link'));
  return { dir, outside };
}

test('fsGroup: group on every entry, g+rw files, g+rwx and setgid dirs, symlinks not followed', () => {
  const { dir, outside } = tree();
  try {
    setVolumeOwnership(dir, GID, undefined, false);
    for (const p of [dir, join(dir, 'sub')]) {
      const st = statSync(p);
      assert.equal(st.gid, GID, p);
      assert.equal(st.mode & 0o2000, 0o2000, `${p} setgid`);
      assert.equal(st.mode & 0o070, 0o070, `${p} g+rwx`);
    }
    assert.equal(statSync(join(dir, 'f')).mode & 0o7777, 0o660);
    assert.equal(statSync(join(dir, 'sub', 'g')).mode & 0o7777, 0o664);
    assert.equal(lstatSync(join(dir, 'link')).gid, GID, 'the link itself (lchown)');
    // The host file the link points at is untouched.
    assert.equal(statSync(outside).gid, 0);
    assert.equal(statSync(outside).mode & 0o7777, 0o600);
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

test('fsGroup on a read-only volume adds g+r only; no fsGroup: nothing changes', () => {
  const { dir } = tree();
  try {
    setVolumeOwnership(dir, undefined, undefined, true);
    assert.equal(statSync(join(dir, 'f')).gid, 0);
    setVolumeOwnership(dir, GID, undefined, true);
    assert.equal(statSync(join(dir, 'f')).mode & 0o7777, 0o640);
    assert.equal(statSync(join(dir, 'sub')).mode & 0o7777, 0o2755);
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

test('fsGroupChangePolicy OnRootMismatch skips the walk when the root already matches', () => {
  const { dir } = tree();
  try {
    assert.equal(requiresOwnershipChange(dir, GID, false), true);
    chownSync(dir, 0, GID);
    setVolumeOwnership(dir, GID, 'OnRootMismatch', false); // root gid matches but not its mode: walks
    assert.equal(statSync(join(dir, 'f')).gid, GID);
    chownSync(join(dir, 'f'), 0, 0);
    assert.equal(requiresOwnershipChange(dir, GID, false), false);
    setVolumeOwnership(dir, GID, 'OnRootMismatch', false);
    assert.equal(statSync(join(dir, 'f')).gid, 0, 'skipped');
    setVolumeOwnership(dir, GID, 'Always', false);
    assert.equal(statSync(join(dir, 'f')).gid, GID, 'Always walks');
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

test('subPath and subPathExpr are handed to the runtime, never resolved on the host', () => {
  const p: Pod = { metadata: { name: 'p' }, spec: { containers: [], volumes: [{ name: 'v', emptyDir: {} }, { name: 'cm', configMap: { name: 'x' } }] } };
  const paths = new Map([['v', '/vol/v'], ['cm', '/vol/cm']]);
  const env = [{ key: 'POD', value: 'web-0' }, { key: 'EMPTY', value: '' }];
  assert.deepEqual(
    containerMounts(p, { volumeMounts: [{ name: 'v', mountPath: '/a', subPath: 'x/y' }, { name: 'v', mountPath: '/b', subPathExpr: 'logs/$(POD)' }, { name: 'cm', mountPath: '/c' }] }, paths, env),
    [
      { hostPath: '/vol/v', containerPath: '/a', readonly: false, subPath: 'x/y' },
      { hostPath: '/vol/v', containerPath: '/b', readonly: false, subPath: 'logs/web-0' },
      { hostPath: '/vol/cm', containerPath: '/c', readonly: true },
    ],
  );
  assert.throws(() => mountSubPath({ subPathExpr: '$(NOPE)/$(EMPTY)' }, env), (e: Error) => e instanceof VolumeError && e.message === 'missing value for EMPTY, NOPE');
  assert.throws(() => mountSubPath({ subPathExpr: '$(POD)/../..' }, env), /unable to provision SubPath `web-0\/..\/..`: must not contain '..'/);
  assert.throws(() => mountSubPath({ subPathExpr: '/$(POD)' }, env), /error SubPath `\/web-0` must not be an absolute path/);
});
