import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEtcd, type EtcdHandle } from '../../testing/etcd.js';
import { uniqueTag, waitFor } from '../../testing/wait.js';
import { StorageError } from './interface.js';
import { WorkerKV, workerExecArgv } from './kv-worker-client.js';

let etcd: EtcdHandle;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

test('many concurrent calls of one turn go as a batch and each gets its own answer', async () => {
  const kv = new WorkerKV({ endpoints: etcd.endpoint });
  try {
    const base = `/t/${uniqueTag()}/`;
    const writes = await Promise.all(Array.from({ length: 300 }, (_, i) => kv.create(`${base}k${i}`, JSON.stringify({ i }))));
    const revs = writes.map((w) => (w.ok ? w.revision : 'failed'));
    assert.equal(new Set(revs).size, 300, 'every create has its own revision');
    const again = await kv.create(`${base}k7`, '{}');
    assert.equal(again.ok, false);
    const got = await Promise.all(Array.from({ length: 300 }, (_, i) => kv.get(`${base}k${i}`)));
    got.forEach((g, i) => {
      assert.equal((JSON.parse(g!.value.toString()) as { i: number }).i, i);
      assert.equal(g!.modRevision, revs[i]);
    });
    const list = await kv.list(base, { limit: 10 });
    assert.equal(list.kvs.length, 10);
    assert.equal(list.more, true);
    assert.equal(list.count, 300);
  } finally {
    await kv.close();
  }
});

test('a dead client thread fails what is in flight with Unavailable, and the next call starts a new one', async () => {
  const kv = new WorkerKV({ endpoints: etcd.endpoint });
  try {
    const base = `/t/${uniqueTag()}/`;
    assert.equal((await kv.create(`${base}a`, '{}')).ok, true);
    const errors: StorageError[] = [];
    kv.watch(base, { previous: false }, { onEvents: () => undefined, onProgress: () => undefined, onError: (e) => errors.push(e) });
    await etcd.pause(); // so the next call is still in flight when the thread dies
    let inFlight: Promise<unknown>;
    try {
      inFlight = kv.get(`${base}a`).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 50));
      await kv.crashThread();
    } finally {
      await etcd.restart();
    }
    const err = await inFlight;
    assert.ok(err instanceof StorageError && err.code === 'Unavailable', `got ${String(err)}`);
    await waitFor(() => errors.length === 1);
    assert.equal(errors[0].code, 'Unavailable');
    const got = await kv.get(`${base}a`);
    assert.equal(got?.key, `${base}a`);
  } finally {
    await kv.close();
  }
});

test('after close every call fails with Unavailable', async () => {
  const kv = new WorkerKV({ endpoints: etcd.endpoint });
  await kv.currentRevision();
  await kv.close();
  await assert.rejects(kv.currentRevision(), (e: unknown) => e instanceof StorageError && e.code === 'Unavailable');
});

test('an idle client thread does not keep the process alive; node flags of the parent do not stop it', async () => {
  // A child that makes one call and never closes: it must still exit by itself.
  const mod = fileURLToPath(new URL('./kv-worker-client.js', import.meta.url));
  const script = `import { WorkerKV } from ${JSON.stringify(mod)}; const kv = new WorkerKV({ endpoints: ${JSON.stringify(etcd.endpoint)} }); console.log(await kv.currentRevision());`;
  const child = spawn(process.execPath, ['--max-semi-space-size=32', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 10_000);
    child.on('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  assert.equal(code, 0, 'the child exited on its own');
  assert.match(out, /^\d+\n$/);
});

test('a worker gets the parent node flags that apply to it', () => {
  assert.deepEqual(
    workerExecArgv(['--import', 'tsx', '--input-type=module', '-e', 'code', '--max-semi-space-size=32', '--test-reporter=spec', '--test', '--cpu-prof', '--cpu-prof-dir=/tmp/p', '-r', 'x.cjs', '--enable-source-maps']),
    ['--import', 'tsx', '--cpu-prof', '--cpu-prof-dir=/tmp/p', '-r', 'x.cjs', '--enable-source-maps'],
  );
});
