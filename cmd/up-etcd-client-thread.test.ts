// `up --etcd-client-thread`: on by default, false saves the worker isolate (~16 MiB of the node's
// memory, issue 18); a value other than true/false is refused before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const hyperkube = fileURLToPath(new URL('./hyperkube.js', import.meta.url));

test('up --etcd-client-thread: documented default true, bad values refused before the data dir is made', () => {
  const help = spawnSync(process.execPath, [hyperkube, 'up', '--help'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(help.status, 0);
  const entry = /--etcd-client-thread value\n\s+(.*)/.exec(help.stdout);
  assert.ok(entry, help.stdout);
  assert.match(entry[1], /\(default "true"\)$/);

  const root = mkdtempSync(join(tmpdir(), 'tkt-upect-'));
  try {
    const dataDir = join(root, 'data');
    const r = spawnSync(process.execPath, [hyperkube, 'up', `--data-dir=${dataDir}`, '--etcd-client-thread=yes'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--etcd-client-thread is true or false, got "yes"/);
    assert.equal(existsSync(dataDir), false, 'nothing was started or made');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
