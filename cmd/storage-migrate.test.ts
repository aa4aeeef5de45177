// The data of the release before version.json (storage format 0, a fixture of keys its
// apiserver wrote: cmd/testdata/storage-format-0.json) is moved forward: every object read
// and rewritten by this release, then served by this release's apiserver.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startEtcd } from '../testing/etcd.js';
import { newEtcdClient } from '../apiserver/storage/etcd-client.js';
import { startApiServer } from '../apiserver/server.js';
import { encodeObject } from '../apiserver/storage/codec.js';
import { migrateStorage, migrateValue } from './storage-migrate.js';
import { hyperkubeCommand } from '../testing/isolated.js';
import type { KubeObject } from '../api/meta.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here.replace(/\/dist-test\/cmd\/?$/, '/cmd'), 'testdata', 'storage-format-0.json');

test('format 0 objects are rewritten by this release and served by its apiserver', async () => {
  const { keys } = JSON.parse(await readFile(fixture, 'utf8')) as { keys: Record<string, string> };
  assert.ok(Object.keys(keys).length >= 5);
  const etcd = await startEtcd();
  const client = newEtcdClient({ endpoints: etcd.endpoint });
  try {
    for (const [k, v] of Object.entries(keys)) await client.put(k).value(v);
    // A key that is no object (as an allocator might keep) is left alone.
    await client.put('/registry/ranges/opaque').value(Buffer.from([0, 1, 2]));
    const before = await client.getAll().prefix('/registry/').exec();
    const revs = new Map(before.kvs.map((kv) => [kv.key.toString(), kv.mod_revision]));
    const res = await migrateStorage(client);
    assert.deepEqual(res, { read: Object.keys(keys).length + 1, rewritten: Object.keys(keys).length });
    const after = await client.getAll().prefix('/registry/').exec();
    for (const kv of after.kvs) {
      const k = kv.key.toString();
      if (k === '/registry/ranges/opaque') {
        assert.equal(kv.mod_revision, revs.get(k), 'not rewritten');
        continue;
      }
      assert.notEqual(kv.mod_revision, revs.get(k), `${k} rewritten`);
      assert.equal(kv.value.toString(), encodeObject(JSON.parse(keys[k]) as KubeObject));
    }
    const api = await startApiServer({ etcdEndpoints: [etcd.endpoint], port: 0 });
    try {
      const cm = (await (await fetch(`${api.url}/api/v1/namespaces/fixture/configmaps/conf`)).json()) as { data: Record<string, string>; metadata: { uid: string } };
      assert.deepEqual(cm.data, { key: 'value' });
      assert.equal(cm.metadata.uid, (JSON.parse(keys['/registry/configmaps/fixture/conf']) as KubeObject).metadata.uid);
      const dep = (await (await fetch(`${api.url}/apis/apps/v1/namespaces/fixture/deployments/dep`)).json()) as { spec: { replicas: number } };
      assert.equal(dep.spec.replicas, 1);
    } finally {
      await api.stop();
    }
  } finally {
    client.close();
    await etcd.stop();
  }
});

test('values that are not objects are not migrated', () => {
  assert.equal(migrateValue(Buffer.from('not json')), undefined);
  assert.equal(migrateValue(Buffer.from('[1,2]')), undefined);
  assert.equal(migrateValue(Buffer.from('{"a":1}')), undefined);
  assert.equal(migrateValue(Buffer.from('{"metadata":{"name":"x","resourceVersion":"5"},"kind":"ConfigMap","apiVersion":"v1"}')), '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}');
});

test('up refuses a data dir of a newer storage format, before starting anything', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tkt-newer-'));
  try {
    await writeFile(join(dir, 'version.json'), '{"tskubeVersion":"9.9.9","storageFormat":99}\n');
    const r = await promisify(execFile)(process.execPath, [...hyperkubeCommand(), 'up', `--data-dir=${dir}`, '--port=0']).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /was written by tskube 9\.9\.9 in storage format 99; this tskube 0\.1\.0 reads formats up to 1/);
    const { readdir } = await import('node:fs/promises');
    assert.deepEqual(await readdir(dir), ['version.json'], 'nothing made in the data dir');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
