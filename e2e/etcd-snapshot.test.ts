// etcd snapshots of an isolated `up`: save, then changes (a namespace deleted, a pod
// added), restore into the stopped cluster, and the next `up` has every object of the
// snapshot back, keeps the pod that ran throughout running (same container, same processes)
// and removes the pod the snapshot does not know. Then scheduled snapshots (`@every 1s`)
// and retention, and the refusals: a corrupted or truncated snapshot, a running cluster,
// a held etcd lock, names with '..' or '/'.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pod } from '../api/core.js';
import { hyperkubeCommand, startIsolated } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

const run = promisify(execFile);

const POD = (name: string, ns: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: sleep, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
`;

/** Host pids of the processes in the pod's cgroup. */
function podPids(uid: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cgroup`, 'utf8').includes(`/pod${uid}/`)) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out.sort((a, b) => a - b);
}

interface SnapMeta {
  name: string;
  scheduled: boolean;
  createdAt: string;
}

test('etcd snapshots: save, restore into a stopped cluster, schedule with retention, refusals', { timeout: 180_000 }, async (t) => {
  const cl = await startIsolated('snap', ['--etcd-disable-snapshots']);
  const dataDir = cl.up.dataDir;
  const hk = async (...args: string[]) => {
    try {
      const r = await run(process.execPath, [...hyperkubeCommand(), 'etcd-snapshot', `--data-dir=${dataDir}`, ...args]);
      return { code: 0, out: r.stdout + r.stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: err.code ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  };
  const k = async (args: string[], input?: string) => {
    const r = await cl.up.kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const pod = async (name: string, ns = 'default') => JSON.parse(await k(['get', 'pod', name, '-n', ns, '-o', 'json'])) as Pod;
  const list = async () => JSON.parse((await hk('ls', '-o', 'json')).out) as SnapMeta[];
  try {
    await k(['create', 'namespace', 'snap-a']);
    await k(['create', 'configmap', 'conf', '-n', 'snap-a', '--from-literal=key=kept']);
    await k(['apply', '-f', '-'], POD('inner', 'snap-a'));
    await k(['apply', '-f', '-'], POD('keeper', 'default'));
    await k(['wait', '--for=condition=Ready', 'pod/keeper', '--timeout=60s']);
    await k(['wait', '--for=condition=Ready', '-n', 'snap-a', 'pod/inner', '--timeout=60s']);
    const keeper = await pod('keeper');
    const keeperStatus = keeper.status!.containerStatuses![0];
    const keeperPids = podPids(keeper.metadata.uid!);
    assert.ok(keeperPids.length >= 2, `keeper's pause and sleep processes: ${keeperPids.join(',')}`);
    const cmUid = (await k(['get', 'cm', 'conf', '-n', 'snap-a', '-o', 'jsonpath={.metadata.uid}'])).trim();

    const saved = await hk('save', '--name=before', '--node-name=snapnode');
    assert.equal(saved.code, 0, saved.out);
    assert.match(saved.out, /Snapshot before-snapnode-\d+ saved \(\d+ bytes, revision \d+, sha256 [0-9a-f]{64}\)/);
    const [snap] = await list();
    assert.ok(snap && snap.name.startsWith('before-snapnode-') && !snap.scheduled, JSON.stringify(snap));

    // After the snapshot: the namespace goes, a pod comes.
    await k(['delete', 'namespace', 'snap-a', '--timeout=60s']);
    await k(['apply', '-f', '-'], POD('later', 'default'));
    await k(['wait', '--for=condition=Ready', 'pod/later', '--timeout=60s']);
    const laterPids = podPids((await pod('later')).metadata.uid!);
    assert.ok(laterPids.length >= 2);

    await t.test('refused while the cluster runs, and names with .. or /', async () => {
      const r = await hk('restore', snap.name);
      assert.equal(r.code, 1);
      assert.match(r.out, /hyperkube up \(pid \d+\) is running on .*: stop it before restoring a snapshot/);
      for (const bad of ['../snapshots', 'a/b']) {
        const rm = await hk('rm', bad);
        assert.equal(rm.code, 1, rm.out);
        assert.match(rm.out, /invalid snapshot name/);
      }
      assert.equal((await list()).length, 1);
    });

    await cl.up.stop();
    const etcdDir = join(dataDir, 'etcd');
    const db = join(etcdDir, 'member-data', 'member', 'snap', 'db');
    const before = { files: readdirSync(etcdDir).sort(), mtime: statSync(db).mtimeMs, size: statSync(db).size };
    const unchanged = () => assert.deepEqual({ files: readdirSync(etcdDir).sort(), mtime: statSync(db).mtimeMs, size: statSync(db).size }, before, 'etcd data untouched');

    await t.test('a corrupted or truncated snapshot is refused by its checksum, and nothing changes', async () => {
      const bad = join(cl.flags.root, 'bad');
      mkdirSync(bad);
      const src = join(dataDir, 'snapshots', snap.name);
      copyFileSync(`${src}.db`, join(bad, `${snap.name}.db`));
      copyFileSync(`${src}.json`, join(bad, `${snap.name}.json`));
      const copy = readFileSync(join(bad, `${snap.name}.db`));
      copy[Math.floor(copy.length / 2)] ^= 0xff;
      writeFileSync(join(bad, `${snap.name}.db`), copy);
      const corrupted = await hk('restore', join(bad, `${snap.name}.db`));
      assert.equal(corrupted.code, 1, corrupted.out);
      assert.match(corrupted.out, /has sha256 [0-9a-f]{64}, its metadata says [0-9a-f]{64}: corrupted; refusing it/);
      truncateSync(join(bad, `${snap.name}.db`), 4096);
      const truncated = await hk('restore', join(bad, `${snap.name}.db`));
      assert.equal(truncated.code, 1, truncated.out);
      assert.match(truncated.out, /is 4096 bytes, its metadata says \d+: truncated or replaced; refusing it/);
      unchanged();
    });

    await t.test("refused while an etcd holds the database's lock", async () => {
      // bbolt holds an exclusive flock on the database while etcd runs: the same lock, held here by flock(1)
      // (--close: only flock itself holds it, so killing it frees the lock).
      const holder = spawn('flock', ['--close', db, 'sleep', '30'], { stdio: 'ignore' });
      try {
        await eventually('lock taken', async () => ((await run('flock', ['--nonblock', '--conflict-exit-code', '75', db, 'true']).then(() => 0, (e: { code?: number }) => e.code)) === 75 ? true : undefined), 5000);
        const r = await hk('restore', snap.name);
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /an etcd holds the database of .* \(its lock is taken\): stop it before restoring a snapshot/);
      } finally {
        holder.kill('SIGKILL');
        await new Promise((r) => holder.once('exit', r));
      }
      unchanged();
    });

    const restored = await hk('restore', snap.name, `--etcd-peer-port=${cl.up.ports.etcdPeer}`);
    assert.equal(restored.code, 0, restored.out);
    assert.match(restored.out, new RegExp(`Snapshot ${snap.name} \\(revision \\d+, taken .*\\) restored into ${dataDir}; the replaced etcd data is kept in .*member-data\\.before-restore-\\d+`));

    await cl.restart(['--etcd-snapshot-schedule-cron=@every 1s', '--etcd-snapshot-retention=2']);

    await t.test('every object of the snapshot is back', async () => {
      assert.equal((await k(['get', 'ns', 'snap-a', '-o', 'jsonpath={.status.phase}'])).trim(), 'Active');
      assert.equal((await k(['get', 'cm', 'conf', '-n', 'snap-a', '-o', 'jsonpath={.metadata.uid}:{.data.key}'])).trim(), `${cmUid}:kept`);
      await k(['wait', '--for=condition=Ready', '-n', 'snap-a', 'pod/inner', '--timeout=60s']);
      // The data dir says which tskube made it, and in which storage format.
      assert.deepEqual(JSON.parse(readFileSync(join(dataDir, 'version.json'), 'utf8')), { tskubeVersion: '0.1.0', storageFormat: 1 });
    });

    await t.test('the pod that ran throughout was re-adopted, not restarted; the pod the snapshot does not have is gone', async () => {
      const again = await pod('keeper');
      const st = again.status!.containerStatuses![0];
      assert.equal(again.metadata.uid, keeper.metadata.uid);
      assert.equal(st.containerID, keeperStatus.containerID);
      assert.equal(st.restartCount, 0);
      assert.equal(st.state?.running?.startedAt, keeperStatus.state?.running?.startedAt);
      assert.deepEqual(podPids(keeper.metadata.uid!), keeperPids, 'the same processes');
      const later = await cl.up.kubectl(['get', 'pod', 'later']);
      assert.match(later.stderr, /NotFound/);
      await eventually('the later pod torn down by the orphan sweep', () => (laterPids.every((p) => { try { process.kill(p, 0); return false; } catch { return true; } }) ? true : undefined), 30_000);
    });

    await t.test('scheduled snapshots every second, the oldest pruned beyond the retention of 2', async () => {
      const firstSeen = await eventually('a scheduled snapshot', async () => (await list()).find((s) => s.scheduled)?.name, 15_000);
      await eventually('the first scheduled snapshot pruned', async () => ((await list()).some((s) => s.name === firstSeen) ? undefined : true), 15_000);
      const now = await list();
      const scheduled = now.filter((s) => s.scheduled);
      assert.ok(scheduled.length >= 1 && scheduled.length <= 2, JSON.stringify(now));
      assert.ok(now.some((s) => s.name === snap.name), 'the on-demand snapshot is not pruned');
      assert.match(cl.up.output(), /etcd snapshots pruned \(retention\): etcd-snapshot-snap-/);
    });
  } finally {
    await cl.teardown();
  }
});
