// startKubelet building its own image store, pod network and runtime from
// paths and names (what cmd/kubelet does), on temp dirs and unique names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestClient } from '../client/rest.js';
import type { Runtime } from '../runtime/runtime.js';
import { cleanupRuntime, cgroupPids } from '../testing/runtime-env.js';
import { startTestApi } from '../testing/cluster.js';
import { startKubelet, type KubeletHandle } from './kubelet.js';
import { testPod, waitFor } from '../testing/kubelet-env.js';

test('a kubelet built from flags-style options runs a pod', async () => {
  const prefix = `tks${randomBytes(2).toString('hex')}`;
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const api = await startTestApi();
  const client = new RestClient(api.url);
  let k: KubeletHandle | undefined;
  try {
    const x = 1 + Math.floor(Math.random() * 254);
    k = await startKubelet({
      server: api.url,
      nodeName: `${prefix}-node`,
      nodeIP: '127.0.0.1',
      rootDir: join(root, 'kubelet'),
      logDir: join(root, 'logs'),
      stateDir: join(root, 'run'),
      imagesRoot: join(root, 'images'),
      containersDir: join(root, 'containers'),
      cgroupRoot: prefix,
      bridgeName: prefix,
      chainPrefix: prefix.toUpperCase(),
      podCIDR: `10.244.${x}.0/24`,
      port: 0,
      address: '127.0.0.1',
      serverToken: 'sekret',
      relistMs: 300,
      log: () => undefined,
    });
    await client.pods('default').create(testPod('solo', k.nodeName));
    const pod = await waitFor('Running', async () => {
      const p = await client.pods('default').get('solo');
      return p.status?.phase === 'Running' ? p : false;
    });
    assert.match(pod.status?.podIP ?? '', new RegExp(`^10\\.244\\.${x}\\.`));
    // The server wants the apiserver's token (healthz excepted).
    const base = `http://127.0.0.1:${k.port}`;
    assert.equal((await fetch(`${base}/containerLogs/default/solo/main`)).status, 401);
    assert.equal((await fetch(`${base}/containerLogs/default/solo/main`, { headers: { authorization: 'Bearer wrong!' } })).status, 401);
    const ok = await waitFor('logs', async () => {
      const r = await fetch(`${base}/containerLogs/default/solo/main`, { headers: { authorization: 'Bearer sekret' } });
      return r.status === 200 && (await r.text()) === 'hello\n';
    });
    assert.ok(ok);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  } finally {
    await k?.stop();
    if (k) await cleanupRuntime(k.runtime as Runtime, root).catch(() => undefined);
    await k?.network?.cleanup().catch(() => undefined);
    try {
      execFileSync('ip', ['link', 'del', prefix], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
    rmSync(root, { recursive: true, force: true });
    client.close();
    await api.stop();
  }
  assert.deepEqual(cgroupPids(prefix), []);
  assert.doesNotMatch(execFileSync('iptables-save', { encoding: 'utf8' }), new RegExp(prefix.toUpperCase()));
});
