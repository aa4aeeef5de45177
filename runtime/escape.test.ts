// Hostile images and specs (issue 12): every path the shim touches is resolved
// inside the container root (or, for subPath, inside the volume), so none of
// these may create or change anything on the host. Each case checks a host
// temp dir byte for byte before and after, and where the container ran, where
// the mount really went.
import { after, before, beforeEach, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, renameSync, lstatSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupPids, dirImages, mountsUnder, podConfig, testRuntime, type TestRuntimeEnv } from '../testing/runtime-env.js';
import { Runtime } from './runtime.js';
import { shimBinaryPath } from './shim-binary.js';
import type { ContainerConfig } from './cri.js';

let env: TestRuntimeEnv;
let hostDir: string; // stands for any host directory an image must never reach
let layers: string; // extra image layers
let pod: string;
let before_: string;

/** Type, mode, size, link target and content hash of everything under dir. */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const st = lstatSync(p);
      let extra = '';
      if (st.isSymbolicLink()) extra = readlinkSync(p);
      else if (st.isFile()) extra = createHash('sha256').update(readFileSync(p)).digest('hex');
      out.push(`${p} ${st.mode.toString(8)} ${st.size} ${extra}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.join('\n');
}

/** An image layer (on top of busybox) with the given symlinks. */
function layer(name: string, links: Record<string, string>, dirs: string[] = []): string {
  const l = join(layers, name);
  mkdirSync(l, { recursive: true });
  for (const d of dirs) mkdirSync(join(l, d), { recursive: true });
  for (const [from, to] of Object.entries(links)) {
    mkdirSync(join(l, from, '..'), { recursive: true });
    symlinkSync(to, join(l, from));
  }
  return l;
}

before(async () => {
  env = testRuntime();
  hostDir = mkdtempSync(join(tmpdir(), 'tkt-hostdir-'));
  writeFileSync(join(hostDir, 'hosts-file'), 'ORIGINAL HOST FILE\n');
  layers = join(env.root, 'layers');
  const up = '../'.repeat(12);
  const images: Record<string, { layers: string[] }> = {
    busybox: { layers: [env.busyboxLayer] },
    'abs-link': { layers: [env.busyboxLayer, layer('abs', { data: hostDir })] },
    'rel-link': { layers: [env.busyboxLayer, layer('rel', { data: `${up}${hostDir.slice(1)}` })] },
    'etc-links': { layers: [env.busyboxLayer, layer('etc', { 'etc/hosts': join(hostDir, 'hosts-file'), 'etc/resolv.conf': join(hostDir, 'new-resolv'), 'etc/hostname': `${up}${hostDir.slice(1)}/new-hostname` })] },
    'term-link': { layers: [env.busyboxLayer, layer('term', { termdir: hostDir })] },
    'proc-link': { layers: [env.busyboxLayer, layer('proclink', { work: '/proc/1/root' + hostDir })] },
  };
  env.runtime = new Runtime({ ...env.options, images: dirImages(images) });
  pod = await env.runtime.runPodSandbox(podConfig('hostile', { logDirectory: join(env.root, 'logs') }));
});

after(async () => {
  await env.cleanup();
  rmSync(hostDir, { recursive: true, force: true });
  assert.deepEqual(cgroupPids(env.prefix), []);
  assert.deepEqual(mountsUnder(env.root), []);
});

beforeEach(() => {
  before_ = snapshot(hostDir);
});
afterEach(() => {
  assert.equal(snapshot(hostDir), before_, 'nothing on the host changed');
});

function volume(name: string, files: Record<string, string> = {}): string {
  const v = join(env.root, 'volumes', name);
  mkdirSync(v, { recursive: true });
  for (const [f, c] of Object.entries(files)) writeFileSync(join(v, f), c);
  return v;
}

/** Runs a container to completion; its exit code, reason/message and log. */
async function run(name: string, cfg: Partial<ContainerConfig>) {
  const id = await env.runtime.createContainer(pod, { metadata: { name }, image: 'busybox', logPath: `${name}.log`, ...cfg });
  await env.runtime.startContainer(id).catch(() => undefined);
  assert.ok(await env.runtime.waitExit(id, 30_000));
  const st = await env.runtime.containerStatus(id);
  const log = existsSync(join(env.root, 'logs', `${name}.log`)) ? readFileSync(join(env.root, 'logs', `${name}.log`), 'utf8') : '';
  return { code: st.exitCode, reason: st.reason, message: st.message, out: log.split('\n').map((l) => l.split(' ').slice(3).join(' ')).join('\n') };
}

test('image /data -> absolute host dir, volume at /data/x: the mount lands inside the root, not the host dir', async () => {
  const v = volume('abs', { marker: 'vol-abs' });
  const r = await run('abs', { image: 'abs-link', command: ['sh', '-c', `cat /data/x/marker; echo; ls -d ${hostDir}/x`], mounts: [{ hostPath: v, containerPath: '/data/x' }] });
  assert.equal(r.code, 0, r.message || r.out);
  // The link resolved as if the container root were "/": <root><hostDir>/x, the volume mounted there.
  assert.match(r.out, new RegExp(`vol-abs\n${hostDir}/x\n`));
  assert.ok(!existsSync(join(hostDir, 'x')));
});

test('image /data -> ../../../../<host dir> (relative), volume at /data/x: clamped at the root', async () => {
  const v = volume('rel', { marker: 'vol-rel' });
  const r = await run('rel', { image: 'rel-link', command: ['cat', '/data/x/marker'], mounts: [{ hostPath: v, containerPath: '/data/x' }] });
  assert.equal(r.code, 0, r.message || r.out);
  assert.match(r.out, /vol-rel/);
  assert.ok(!existsSync(join(hostDir, 'x')));
});

test('".." in a mount path and in workingDir never climbs out of the root', async () => {
  const v = volume('dots', { marker: 'vol-dots' });
  const up = '/..'.repeat(12);
  const r = await run('dots', {
    command: ['sh', '-c', `pwd; cat ${hostDir}/y/marker`],
    workingDir: `${up}${hostDir}/w`,
    mounts: [{ hostPath: v, containerPath: `${up}${hostDir}/y` }, { hostPath: v, containerPath: `/a/../../..${hostDir}/z`, readonly: true }],
  });
  assert.equal(r.code, 0, r.message || r.out);
  assert.match(r.out, new RegExp(`^${hostDir}/w\\n`));
  assert.match(r.out, /vol-dots/);
});

test('image /etc/hosts, /etc/resolv.conf, /etc/hostname -> host files: the pod files are mounted inside the root', async () => {
  const r = await run('etc', { image: 'etc-links', command: ['sh', '-c', 'cat /etc/hosts; echo ---; cat /etc/resolv.conf >/dev/null && echo resolv-ok; cat /etc/hostname'] });
  assert.equal(r.code, 0, r.message || r.out);
  assert.match(r.out, /Kubernetes-managed hosts file/);
  assert.match(r.out, /resolv-ok/);
  assert.equal(readFileSync(join(hostDir, 'hosts-file'), 'utf8'), 'ORIGINAL HOST FILE\n');
  assert.ok(!existsSync(join(hostDir, 'new-resolv')) && !existsSync(join(hostDir, 'new-hostname')));
});

test('a termination-log (file mount) under an image link to a host dir is created inside the root', async () => {
  const f = join(volume('term'), 'termination-log');
  writeFileSync(f, '');
  const r = await run('term', { image: 'term-link', command: ['sh', '-c', 'echo bye > /termdir/termination-log'], mounts: [{ hostPath: f, containerPath: '/termdir/termination-log' }] });
  assert.equal(r.code, 0, r.message || r.out);
  assert.equal(readFileSync(f, 'utf8'), 'bye\n');
  assert.ok(!existsSync(join(hostDir, 'termination-log')));
});

test('a workingDir through a /proc magic link (/work -> /proc/1/root/<host dir>) is refused, nothing created', async () => {
  const r = await run('magic', { image: 'proc-link', command: ['pwd'], workingDir: '/work/wd' });
  // Either refused outright, or resolved inside the root; never the host's directory.
  if (r.code === 0) assert.doesNotMatch(r.out, new RegExp(`^${hostDir}/wd$`, 'm'));
  else assert.equal(r.reason, 'ContainerCannotRun');
  assert.ok(!existsSync(join(hostDir, 'wd')));
});

test('subPath: resolved inside the volume, created when missing; a component swapped for a host link during starts never escapes', async () => {
  const v = volume('sub');
  mkdirSync(join(v, 'a', 'b'), { recursive: true });
  writeFileSync(join(v, 'a', 'b', 'marker'), 'in-volume');
  // Plain case first: an existing subPath and a missing one (created as a directory in the volume).
  const ok = await run('sub-ok', { command: ['sh', '-c', 'cat /m1/marker; ls -d /m2'], mounts: [{ hostPath: v, containerPath: '/m1', subPath: 'a/b' }, { hostPath: v, containerPath: '/m2', subPath: 'a/new/dir' }] });
  assert.equal(ok.code, 0, ok.message || ok.out);
  assert.match(ok.out, /in-volume/);
  assert.ok(existsSync(join(v, 'a', 'new', 'dir')));
  // An absolute link inside the volume resolves inside the volume too.
  symlinkSync(hostDir, join(v, 'evil'));
  const linked = await run('sub-link', { command: ['ls', '/m'], mounts: [{ hostPath: v, containerPath: '/m', subPath: 'evil/c' }] });
  assert.equal(linked.code, 0, linked.message || linked.out);
  assert.ok(!existsSync(join(hostDir, 'c')));
  // The race: a host loop swaps a/ for a link to the host dir and back while containers start.
  const racer = spawn('timeout', ['20', 'sh', '-c', `cd ${v} && while :; do mv a a.real 2>/dev/null; ln -s ${hostDir} a 2>/dev/null; rm -f a; mv a.real a 2>/dev/null; done`], { stdio: 'ignore', detached: true });
  try {
    for (let i = 0; i < 15; i++) {
      const r = await run(`race-${i}`, { command: ['true'], mounts: [{ hostPath: v, containerPath: '/m', subPath: `a/b/race${i}` }] });
      assert.ok(r.code === 0 || r.reason === 'ContainerCannotRun', `${r.code} ${r.message}`);
    }
  } finally {
    // Its own process group: timeout and the shell loop end together.
    process.kill(-racer.pid!, 'SIGKILL');
    await new Promise((r) => racer.once('exit', r));
    if (!existsSync(join(v, 'a')) && existsSync(join(v, 'a.real'))) renameSync(join(v, 'a.real'), join(v, 'a'));
  }
  for (const e of readdirSync(hostDir)) assert.ok(!e.startsWith('race') && e !== 'b', `host dir got ${e}`);
});

test('the fallback walk (no openat2) keeps the same guarantees', async () => {
  const v = volume('walk', { marker: 'vol-walk' });
  const id = await env.runtime.createContainer(pod, { metadata: { name: 'walk' }, image: 'abs-link', logPath: 'walk.log', command: ['sh', '-c', 'cat /data/x/marker; cd /; pwd'], workingDir: `/../..${hostDir}/ww`, mounts: [{ hostPath: v, containerPath: '/data/x' }] });
  // Force the component walk for this container (the shim keeps it for kernels before 5.6).
  const conf = join(env.options.stateDir!, 'containers', id, 'shim.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8') + 'path_walk 1\n');
  await env.runtime.startContainer(id);
  assert.ok(await env.runtime.waitExit(id, 30_000));
  const st = await env.runtime.containerStatus(id);
  assert.equal(st.exitCode, 0, st.message);
  assert.match(readFileSync(join(env.root, 'logs', 'walk.log'), 'utf8'), /vol-walk/);
  assert.ok(!existsSync(join(hostDir, 'x')) && !existsSync(join(hostDir, 'ww')));
});

test('control: the old unsafe lookups (bench-only option) DO reach the host in the first case, so the corpus can tell', async () => {
  const probe = mkdtempSync(join(tmpdir(), 'tkt-probe-'));
  try {
    const l = layer('probe', { data: probe });
    const rt = new Runtime({ ...env.options, benchUnsafePaths: true, images: dirImages({ probe: { layers: [env.busyboxLayer, l] } }) });
    const id = await rt.createContainer(pod, { metadata: { name: 'probe' }, image: 'probe', command: ['true'], mounts: [{ hostPath: volume('probe'), containerPath: '/data/x' }] });
    await rt.startContainer(id).catch(() => undefined);
    await rt.waitExit(id, 30_000);
    assert.ok(existsSync(join(probe, 'x')), 'the unsafe path created x in the probe dir');
    await rt.removeContainer(id);
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
});

test('CVE-2019-5736: a process tskube runs in a container runs from a sealed memfd, is not dumpable; its exe cannot be written', async () => {
  const shimFile = shimBinaryPath();
  const hash = () => createHash('sha256').update(readFileSync(shimFile)).digest('hex');
  const h0 = hash();
  // hostPID: the container sees the exec shim (which stays in the host pid namespace) for the whole exec.
  const hp = await env.runtime.runPodSandbox(podConfig('hostpid-exe', { hostPID: true }));
  const c = await env.runtime.createContainer(hp, { metadata: { name: 'attacker' }, image: 'busybox', command: ['sleep', '1000'] });
  await env.runtime.startContainer(c);
  const session = await env.runtime.exec({ containerId: c, cmd: ['sleep', '30'], stdout: true, stderr: true });
  try {
    // The exec shim, not the child it forks for the command (same command line until it execs):
    // of the processes with the shim's command line, the one whose parent is not one of them.
    let shimPid = 0;
    const isShim = (p: string) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return cmd.split('\0')[1] === 'exec' && cmd.includes(c) && !cmd.includes('pwned');
      } catch {
        return false; // gone
      }
    };
    const ppid = (p: string) => Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
    for (let i = 0; i < 200 && !shimPid; i++) {
      const found = readdirSync('/proc').filter((x) => /^\d+$/.test(x) && isShim(x));
      shimPid = Number(found.find((p) => !found.includes(String(ppid(p)))) ?? 0);
      if (!shimPid) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(shimPid, 'exec shim found');
    // Found by its command line, it may still be copying itself: give it 2 s to re-execute.
    let exe = readlinkSync(`/proc/${shimPid}/exe`);
    for (let i = 0; i < 200 && !exe.startsWith('/memfd:'); i++) {
      await new Promise((r) => setTimeout(r, 10));
      exe = readlinkSync(`/proc/${shimPid}/exe`);
    }
    assert.match(exe, /^\/memfd:tskube-shim/, 'runs from the memfd copy');
    // Even root on the host cannot write through it (sealed, and executing).
    assert.throws(() => closeSync(openSync(`/proc/${shimPid}/exe`, 'r+')));
    const r = await env.runtime.execSync(c, ['sh', '-c', `echo pwned >> /proc/${shimPid}/exe && echo WROTE; cat /proc/${shimPid}/exe >/dev/null 2>&1 && echo READ; true`], 20);
    const out = r.stdout.toString() + r.stderr.toString();
    assert.doesNotMatch(out, /WROTE/);
    assert.doesNotMatch(out, /READ/);
    assert.ok(isShim(String(shimPid)), 'the process probed was the exec shim throughout');
  } finally {
    session.close();
    await session.wait().catch(() => undefined);
  }
  assert.equal(hash(), h0, 'host shim binary unchanged');
  await env.runtime.removePodSandbox(hp);
});
