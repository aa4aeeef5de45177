// Projected volumes without root: the files each source makes (with fakes for the API), the
// atomic ..data swap (a reader sees the old set or the new, never a mix), and the token cache's
// refresh rule (80% of the lifetime or 24 h).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import { apiAccessVolume } from '../apiserver/registry/service-account-admission.js';
import { projectedFiles, type ProjectionSources } from './projected.js';
import { writeAtomically, type VolumeFile } from './atomic-writer.js';
import { TokenManager, requiresRefresh, type TokenKey } from './token-manager.js';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns1', uid: 'u-1', labels: { app: 'x' } },
  spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'i', resources: { limits: { memory: '64Mi' } } }] },
};

function sources(over: Partial<ProjectionSources> = {}): ProjectionSources & { asked: TokenKey[] } {
  const asked: TokenKey[] = [];
  return {
    pod,
    podIP: '10.0.0.5',
    hostIP: '192.0.2.1',
    nodeName: 'n1',
    configMap: (_ns, name) => Promise.resolve(name === 'kube-root-ca.crt' ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { 'ca.crt': 'CA', other: 'x' } } : undefined),
    secret: (_ns, name) => Promise.resolve(name === 's' ? { apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { k: Buffer.from('secret!').toString('base64') } } : undefined),
    token: (k) => {
      asked.push(k);
      return Promise.resolve(`tok-${asked.length}`);
    },
    asked,
    ...over,
  };
}

const text = (m: Map<string, VolumeFile>) => Object.fromEntries([...m].map(([k, v]) => [k, [String(v.data), v.mode.toString(8)]]));

describe('projected volume content', () => {
  it('the kube-api-access volume: a token bound to the pod, the CA and the namespace, mode 0644', async () => {
    const src = sources();
    const files = await projectedFiles(src, apiAccessVolume('kube-api-access-abcde').projected!);
    assert.deepEqual(text(files), { token: ['tok-1', '644'], 'ca.crt': ['CA', '644'], namespace: ['ns1', '644'] });
    assert.deepEqual(src.asked, [{ namespace: 'ns1', serviceAccount: 'robot', expirationSeconds: 3607, podName: 'p', podUID: 'u-1' }]);
  });

  it('secret, audience, item modes, defaultMode, resourceFieldRef and missing objects', async () => {
    const src = sources();
    const files = await projectedFiles(src, {
      defaultMode: 0o400,
      sources: [
        { secret: { name: 's', items: [{ key: 'k', path: 'dir/key', mode: 0o440 }] } },
        { serviceAccountToken: { audience: 'vault', expirationSeconds: 7200, path: 'vault-token' } },
        { downwardAPI: { items: [{ path: 'labels-app', fieldRef: { fieldPath: "metadata.labels['app']" } }, { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } }] } },
        { configMap: { name: 'absent', optional: true } },
      ],
    });
    assert.deepEqual(text(files), { 'dir/key': ['secret!', '440'], 'vault-token': ['tok-1', '400'], 'labels-app': ['x', '400'], mem: ['64', '400'] });
    assert.equal(src.asked[0].audience, 'vault');
    await assert.rejects(projectedFiles(src, { sources: [{ configMap: { name: 'absent' } }] }), /configmap "absent" not found/);
    await assert.rejects(projectedFiles(src, { sources: [{ configMap: { name: 'kube-root-ca.crt', items: [{ key: 'nope', path: 'n' }] } }] }), /key nope not found/);
    await assert.rejects(projectedFiles(src, { sources: [{ downwardAPI: { items: [{ path: '../escape', fieldRef: { fieldPath: 'metadata.name' } }] } }] }), /invalid path/);
  });
});

describe('atomic writer', () => {
  it('swaps ..data in one rename, links visible names through it, skips unchanged content and drops stale names', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'atomic-')), 'vol');
    try {
      const v1 = new Map<string, VolumeFile>([['token', { data: 'one', mode: 0o644 }], ['sub/a', { data: 'A', mode: 0o600 }]]);
      assert.equal(writeAtomically(dir, v1), true);
      assert.equal(readlinkSync(join(dir, 'token')), '..data/token');
      assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'one');
      assert.equal(statSync(join(dir, 'sub/a')).mode & 0o777, 0o600);
      const firstData = readlinkSync(join(dir, '..data'));
      assert.equal(writeAtomically(dir, v1), false, 'unchanged content is not rewritten');
      assert.equal(readlinkSync(join(dir, '..data')), firstData);
      const v2 = new Map<string, VolumeFile>([['token', { data: 'two', mode: 0o644 }]]);
      assert.equal(writeAtomically(dir, v2), true);
      assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'two');
      assert.notEqual(readlinkSync(join(dir, '..data')), firstData);
      assert.throws(() => lstatSync(join(dir, 'sub')), /ENOENT/, 'a name no longer projected is removed');
      // Only the current timestamped directory is left.
      assert.deepEqual(readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data').length, 1);
      assert.throws(() => writeAtomically(dir, new Map([['../x', { data: '', mode: 0o644 }]])), /invalid path/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('token manager', () => {
  it('refreshes at 80% of the lifetime or after 24 h, and caches until then', async () => {
    assert.equal(requiresRefresh(0, 1000_000, 799_000), false);
    assert.equal(requiresRefresh(0, 1000_000, 801_000), true);
    assert.equal(requiresRefresh(0, 48 * 3600_000, 24 * 3600_000 + 1), true);
    let now = 0;
    let calls = 0;
    const tm = new TokenManager(() => Promise.resolve({ token: `t${++calls}`, expiresAt: now + 3600_000 }), () => now);
    const key: TokenKey = { namespace: 'n', serviceAccount: 'default', expirationSeconds: 3600, podName: 'p', podUID: 'u' };
    assert.equal(await tm.get(key), 't1');
    now = 2000_000;
    assert.equal(await tm.get(key), 't1');
    now = 2900_000;
    assert.equal(await tm.get(key), 't2');
    assert.equal(await tm.get({ ...key, podUID: 'other' }), 't3', 'another pod has its own token');
    tm.deletePod('u');
    assert.equal(await tm.get(key), 't4');
  });
});
