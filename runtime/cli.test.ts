// The runtime CLI end to end: run (foreground and detached), ps, exec, logs, stop, rm, images.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeCli, decodeCriLog } from './cli.js';
import { Runtime } from './runtime.js';
import { cleanupRuntime, cgroupPids, dirImages } from '../testing/runtime-env.js';

const prefix = `tkt${Math.random().toString(36).slice(2, 6)}`;
const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
const globals = ['--state-dir', join(root, 'state'), '--containers-dir', join(root, 'containers'), '--images-root', join(root, 'images'), '--cgroup-root', prefix, '--log-dir', join(root, 'logs')];

after(async () => {
  await cleanupRuntime(new Runtime({ images: dirImages({}), stateDir: join(root, 'state'), containersDir: join(root, 'containers'), cgroupRoot: prefix }), root);
  assert.deepEqual(cgroupPids(prefix), []);
  rmSync(root, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runtimeCli([...globals, ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('run in the foreground prints output and returns the exit code; --rm cleans up', async () => {
  const r = await cli('run', '--rm', '--memory', String(64 << 20), '--pids', '50', '--cpus', '0.5', 'busybox', '--', 'sh', '-c', 'echo out; echo err >&2; exit 4');
  assert.equal(r.code, 4, r.err);
  assert.equal(r.out, 'out\n');
  assert.equal(r.err, 'err\n');
  assert.equal((await cli('ps', '-a')).out.split('\n').filter(Boolean).length, 1, 'only the header: --rm removed it');
});

test('detached run, ps, exec, logs, stop, rm', async () => {
  const d = await cli('run', '-d', '--name', 'web', 'busybox', '--', 'sh', '-c', 'echo up; while true; do sleep 1; done');
  assert.equal(d.code, 0, d.err);
  const id = d.out.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const ps = await cli('ps');
  assert.match(ps.out, new RegExp(`^${id.slice(0, 12)} +web +RUNNING`, 'm'));
  const ex = await cli('exec', 'web', 'sh', '-c', 'hostname; exit 3');
  assert.deepEqual([ex.code, ex.out], [3, 'web\n']);
  let logs = '';
  for (let i = 0; i < 50 && !logs.includes('up'); i++) {
    logs = (await cli('logs', id.slice(0, 8))).out;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(logs, 'up\n');
  assert.equal((await cli('rm', 'web')).code, 1, 'rm refuses a running container');
  assert.equal((await cli('stop', '-t', '0', 'web')).code, 0);
  assert.match((await cli('ps', '-a')).out, /web +EXITED +137/);
  assert.equal((await cli('rm', 'web')).code, 0);
  assert.equal((await cli('ps', '-a')).out.split('\n').filter(Boolean).length, 1);
});

test('images lists the offline busybox; bad usage is reported', async () => {
  const im = await cli('images');
  assert.match(im.out, /docker\.io\/library\/busybox:latest/);
  const bad = await cli('frobnicate');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown command/);
});

test('decodeCriLog joins partial lines', () => {
  assert.deepEqual(decodeCriLog('t stdout P ab\nt stdout F c\nt stderr F e\n'), [
    { stream: 'stdout', text: 'ab' },
    { stream: 'stdout', text: 'c\n' },
    { stream: 'stderr', text: 'e\n' },
  ]);
});
