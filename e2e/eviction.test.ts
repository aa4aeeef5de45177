// Node-pressure eviction on a real node: an isolated `up` whose data dir (etcd, kubelet root,
// images, containers) is a 400 MiB tmpfs, with upstream's flags:
//   --eviction-hard memory.available<100Mi,nodefs.available<25%  (nodefs watched at 100 MiB free)
//   --system-reserved memory=<machine − 450Mi>                     (the pods share 450 MiB: allocatableMemory.available)
// Disk: a BestEffort pod filling its writable layer past the threshold makes the kubelet
// reclaim at node level first (an unused image goes), then evict that pod (Failed/Evicted,
// upstream's message, an event); the node shows DiskPressure and the disk-pressure NoSchedule
// taint, and recovers once the next reclaim removes the evicted pod's dead container. Memory: a BestEffort hog is evicted,
// the Guaranteed pod beside it keeps running. Bounded allocations only (≤ 400 MiB).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Node, Pod } from '../api/core.js';
import { parseQuantity } from '../api/quantity.js';
import { createImageService } from '../runtime/images/index.js';
import { TarWriter } from '../runtime/images/tar-writer.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { dockerArchive } from '../testing/runtime-images.js';
import { eventually } from '../testing/wait.js';

const Mi = 1024 * 1024;
const PODS_MEMORY_MI = 450;
const reservedMi = Math.floor(os.totalmem() / Mi) - PODS_MEMORY_MI;

let cl: IsolatedCluster;

before(async () => {
  cl = await startIsolated(
    'evict',
    [
      '--eviction-hard=memory.available<100Mi,nodefs.available<25%',
      `--system-reserved=memory=${reservedMi}Mi`,
      '--eviction-pressure-transition-period=10s',
      '--housekeeping-interval=1s',
      '--image-minimum-gc-age=0s',
    ],
    { dataTmpfsMi: 400 },
  );
});

after(async () => {
  await cl?.teardown();
});

const kubectl = (args: string[], input?: string): Promise<string> => cl.up.kubectlOk(args, input);

const getNode = async (): Promise<Node> => JSON.parse(await kubectl(['get', 'node', cl.flags.node, '-o', 'json'])) as Node;
const getPod = async (name: string): Promise<Pod> => JSON.parse(await kubectl(['get', 'pod', name, '-o', 'json'])) as Pod;
const condition = (n: Node, type: string) => n.status?.conditions?.find((c) => c.type === type)?.status;
const tainted = (n: Node, key: string) => (n.spec?.taints ?? []).some((t) => t.key === key && t.effect === 'NoSchedule');

/** Watches the node while `until` is pending: did it show the condition and the taint? */
async function watchNode(type: string, taint: string, until: Promise<unknown>): Promise<{ condition: boolean; taint: boolean }> {
  const seen = { condition: false, taint: false };
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  while (!done || !(seen.condition && seen.taint)) {
    const n = await getNode();
    seen.condition ||= condition(n, type) === 'True';
    seen.taint ||= tainted(n, taint);
    if (done && Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 400));
  }
  return seen;
}
let deadline = 0;

const pod = (name: string, container: string, extra = '') => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: ${container}
    image: busybox
    imagePullPolicy: IfNotPresent
${extra}`;

test('allocatable is capacity − system-reserved − the hard memory threshold', async () => {
  const n = await getNode();
  const cap = parseQuantity(n.status!.capacity!.memory).value;
  const alloc = parseQuantity(n.status!.allocatable!.memory).value;
  assert.equal(alloc, cap - reservedMi * Mi - 100 * Mi);
  assert.equal(condition(n, 'DiskPressure'), 'False');
});

test('disk pressure: unused image reclaimed, the BestEffort writer evicted, node tainted, then recovered', async () => {
  // An image no pod uses, loaded into the node's store.
  const tmp = mkdtempSync(join(os.tmpdir(), 'tkt-evict-img-'));
  try {
    const layer = new TarWriter().file('junk', randomBytes(512 * 1024)).finish();
    writeFileSync(join(tmp, 'img.tar'), dockerArchive([{ layers: [layer], repoTags: ['tkt.local/unused:1'] }]));
    const images = await createImageService({ root: join(cl.up.dataDir, 'images') });
    await images.loadArchive(join(tmp, 'img.tar'));
    assert.ok((await images.listImages()).some((i) => i.repoTags.includes('tkt.local/unused:1')));

    await kubectl(['apply', '-f', '-'], pod('calm', 'sleep', '    command: [sleep, "3600"]\n'));
    await eventually('calm running', async () => ((await getPod('calm')).status?.phase === 'Running' ? true : undefined), 30_000);
    // Into its own writable layer: reclaimed with its dead container once it is evicted.
    const filler = pod('filler', 'fill', '    command: [sh, -c, "dd if=/dev/zero of=/fill bs=1M count=260 2>/dev/null; sleep 3600"]\n');
    await kubectl(['apply', '-f', '-'], filler);
    deadline = Date.now() + 30_000;
    const evicted = eventually('filler evicted', async () => {
      const p = await getPod('filler');
      return p.status?.reason === 'Evicted' ? p : undefined;
    }, 40_000, 400);
    const seen = await watchNode('DiskPressure', 'node.kubernetes.io/disk-pressure', evicted);
    const p = await evicted;
    assert.equal(p.status?.phase, 'Failed');
    assert.match(p.status?.message ?? '', /^The node was low on resource: ephemeral-storage\. Threshold quantity: 100Mi, available: \d+(Ki|Mi)?\. Container fill was using \d+(Ki|Mi)?, request is 0, has larger consumption of ephemeral-storage\. $/);
    assert.ok(p.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'TerminationByKubelet'));
    assert.ok(seen.condition, 'DiskPressure was True');
    assert.ok(seen.taint, 'node.kubernetes.io/disk-pressure:NoSchedule was set');
    const events = JSON.parse(await kubectl(['get', 'events', '-o', 'json'])) as { items: { reason?: string; involvedObject?: { name?: string }; message?: string }[] };
    assert.ok(events.items.some((e) => e.reason === 'Evicted' && e.involvedObject?.name === 'filler' && e.message === p.status?.message), 'an Evicted event for the pod');
    assert.ok(events.items.some((e) => e.reason === 'EvictionThresholdMet' && e.message === 'Attempting to reclaim ephemeral-storage'), 'the node event');
    // Node-level reclaim came first: the unused image is gone, busybox (in use, and protected) stays.
    const left = await images.listImages();
    assert.ok(!left.some((i) => i.repoTags.includes('tkt.local/unused:1')), 'unused image collected');
    assert.ok(left.some((i) => i.repoTags.includes('docker.io/library/busybox:latest')));
    assert.equal((await getPod('calm')).status?.phase, 'Running', 'only one pod evicted');
    // The evicted pod's volume went with it: the condition clears after the transition period, and the taint follows.
    await eventually('node recovered', async () => {
      const n = await getNode();
      return condition(n, 'DiskPressure') === 'False' && !tainted(n, 'node.kubernetes.io/disk-pressure') ? true : undefined;
    }, 40_000, 500);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('memory pressure: the BestEffort hog is evicted before the Guaranteed pod', async () => {
  await kubectl(['delete', 'pod', 'calm', 'filler', '--wait=false']);
  await kubectl(['apply', '-f', '-'], pod('steady', 'sleep', '    command: [sleep, "3600"]\n    resources: {requests: {cpu: 50m, memory: 32Mi}, limits: {cpu: 50m, memory: 32Mi}}\n'));
  await eventually('steady running', async () => ((await getPod('steady')).status?.phase === 'Running' ? true : undefined), 30_000);
  // 400 MiB in a memory-backed emptyDir, charged to the hog's cgroup: the pods' 450 MiB drop under 100 MiB free.
  await kubectl(['apply', '-f', '-'], pod('hog', 'hog', '    command: [sh, -c, "dd if=/dev/zero of=/m/fill bs=1M count=400 2>/dev/null; sleep 3600"]\n    volumeMounts: [{name: m, mountPath: /m}]\n  volumes: [{name: m, emptyDir: {medium: Memory, sizeLimit: 420Mi}}]\n'));
  deadline = Date.now() + 30_000;
  const evicted = eventually('hog evicted', async () => {
    const p = await getPod('hog');
    return p.status?.reason === 'Evicted' ? p : undefined;
  }, 40_000, 400);
  const seen = await watchNode('MemoryPressure', 'node.kubernetes.io/memory-pressure', evicted);
  const p = await evicted;
  assert.match(p.status?.message ?? '', /^The node was low on resource: memory\. Threshold quantity: 100Mi, available: -?\d+(Ki|Mi)?\. Container hog was using \d+(Ki|Mi)?, request is 0, has larger consumption of memory\. $/);
  assert.ok(seen.condition, 'MemoryPressure was True');
  assert.ok(seen.taint, 'node.kubernetes.io/memory-pressure:NoSchedule was set');
  const steady = await getPod('steady');
  assert.equal(steady.status?.phase, 'Running');
  assert.equal(steady.status?.reason, undefined);
});
