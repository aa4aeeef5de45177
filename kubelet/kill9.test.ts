// kill -9 of a kubelet process with 20 pods running, then a new kubelet on the
// same state: no container is restarted and every pod stays Running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lease } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { createImageService } from '../runtime/images/index.js';
import { createPodNetwork } from '../runtime/network/index.js';
import { Runtime } from '../runtime/runtime.js';
import { cleanupRuntime, cgroupPids } from '../testing/runtime-env.js';
import { startTestApi } from '../testing/cluster.js';
import { L_POD_UID } from './labels.js';
import { testPod, waitFor } from '../testing/kubelet-env.js';

const here = dirname(fileURLToPath(import.meta.url));
const compiled = import.meta.url.endsWith('.js');
const entry = join(here, '..', 'cmd', compiled ? 'kubelet.js' : 'kubelet.ts');

test('kill -9 of the kubelet with 20 pods running: after a restart none of them restarts', async () => {
  const prefix = `tk9${randomBytes(2).toString('hex')}`;
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const api = await startTestApi();
  const client = new RestClient(api.url);
  const x = 1 + Math.floor(Math.random() * 254);
  const podCIDR = `10.244.${x}.0/24`;
  const nodeName = `${prefix}-node`;
  const args = [
    ...(compiled ? [] : ['--import', 'tsx']),
    entry,
    '--server', api.url, '--hostname-override', nodeName, '--node-ip', '127.0.0.1',
    '--root-dir', join(root, 'kubelet'), '--log-dir', join(root, 'logs'), '--state-dir', join(root, 'run'),
    '--images-root', join(root, 'images'), '--containers-dir', join(root, 'containers'), '--cgroup-root', prefix,
    '--bridge', prefix, '--chain-prefix', prefix.toUpperCase(), '--pod-cidr', podCIDR,
    '--pod-manifest-path', join(root, 'manifests'), '--port', '0', '--address', '127.0.0.1',
  ];
  const start = (): ChildProcess => spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let child: ChildProcess | undefined;
  try {
    child = start();
    const N = 20;
    await Promise.all(Array.from({ length: N }, (_, i) => client.pods('default').create(testPod(`k${i}`, nodeName))));
    await waitFor('all Running', async () => (await client.pods('default').list()).items.filter((p) => p.status?.phase === 'Running').length === N, 120_000, 200);
    const before = new Map((await client.pods('default').list()).items.map((p) => [p.metadata.name!, p.status!.containerStatuses![0].containerID]));
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = start();
    // Give the new kubelet time to list, re-adopt and sync every pod (a wrongly restarted container would show by then).
    await waitFor('new kubelet healthy', async () => {
      const lease = await api.req('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`);
      if (lease.status !== 200) return false;
      const renewTime = (lease.body as Lease).spec?.renewTime;
      return renewTime !== undefined && Date.now() - Date.parse(renewTime) < 3000;
    }, 60_000, 200);
    // The new kubelet works (it runs a new pod), and has had time to sync the old ones.
    await client.pods('default').create(testPod('fresh', nodeName));
    await waitFor('fresh pod Running', async () => (await client.pods('default').get('fresh')).status?.phase === 'Running', 60_000, 200);
    await new Promise((r) => setTimeout(r, 3000));
    await client.pods('default').delete('fresh', { gracePeriodSeconds: 0 });
    await waitFor('fresh gone', async () => (await client.pods('default').list()).items.length === N, 30_000, 200);
    const after = (await client.pods('default').list()).items;
    assert.equal(after.length, N);
    for (const p of after) {
      assert.equal(p.status?.phase, 'Running', p.metadata.name);
      assert.equal(p.status?.containerStatuses?.[0]?.restartCount, 0, p.metadata.name);
      assert.equal(p.status?.containerStatuses?.[0]?.containerID, before.get(p.metadata.name!), `${p.metadata.name}: same container`);
    }
    const rt = new Runtime({ images: await createImageService({ root: join(root, 'images') }), stateDir: join(root, 'run'), containersDir: join(root, 'containers'), cgroupRoot: prefix });
    for (const p of after) {
      const cs = await rt.listContainers({ labelSelector: { [L_POD_UID]: p.metadata.uid! } });
      assert.equal(cs.length, 1);
      assert.equal(cs[0].state, 'CONTAINER_RUNNING');
      assert.equal(`tskube://${cs[0].id}`, before.get(p.metadata.name!));
    }
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
    }
    const images = await createImageService({ root: join(root, 'images') });
    const network = createPodNetwork({ bridgeName: prefix, podCIDR, stateDir: join(root, 'run', 'network'), chainPrefix: prefix.toUpperCase() });
    const rt = new Runtime({ images, network, stateDir: join(root, 'run'), containersDir: join(root, 'containers'), cgroupRoot: prefix });
    await cleanupRuntime(rt, root).catch((e) => console.error('runtime cleanup:', e));
    await network.cleanup().catch(() => undefined);
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
