import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import { parseManifest, StaticPodSource } from './static-pods.js';

const manifest = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: busybox\n`;

test('manifests: several documents, names get the node suffix, uid is stable per content', () => {
  const pods = parseManifest(`${manifest('a')}---\n${manifest('b')}`, '/m/x.yaml', 'n1');
  assert.deepEqual(pods.map((p) => p.metadata.name), ['a-n1', 'b-n1']);
  assert.equal(pods[0].spec!.nodeName, 'n1');
  assert.equal(pods[0].metadata.annotations!['kubernetes.io/config.source'], 'file');
  assert.equal(parseManifest(manifest('a'), '/m/x.yaml', 'n1')[0].metadata.uid, pods[0].metadata.uid);
  assert.notEqual(parseManifest(manifest('a').replace('busybox', 'other'), '/m/x.yaml', 'n1')[0].metadata.uid, pods[0].metadata.uid);
  assert.equal(parseManifest(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }), '/m/j.json', 'n1')[0].metadata.name, 'j-n1');
});

test('a directory and a manifest URL feed one set of static pods', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tksp-'));
  let served = manifest('fromurl');
  const srv = createServer((_req, res) => res.end(served));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const got: Pod[][] = [];
  const src = new StaticPodSource({ dir, url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`, nodeName: 'n1', pollMs: 100, onChange: (p) => got.push(p), log: () => undefined });
  try {
    writeFileSync(join(dir, 'a.yaml'), manifest('fromfile'));
    src.start();
    const names = async (want: string[]) => {
      for (let i = 0; i < 100; i++) {
        const last = got[got.length - 1]?.map((p) => p.metadata.name).sort();
        if (JSON.stringify(last) === JSON.stringify(want)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`wanted ${want.join(',')}, last ${JSON.stringify(got[got.length - 1]?.map((p) => p.metadata.name))}`);
    };
    await names(['fromfile-n1', 'fromurl-n1']);
    assert.equal(got[got.length - 1].find((p) => p.metadata.name === 'fromurl-n1')!.metadata.annotations!['kubernetes.io/config.source'], 'http');
    rmSync(join(dir, 'a.yaml'));
    served = '';
    await names([]);
  } finally {
    src.stop();
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
