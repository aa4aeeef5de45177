// Lifecycle of sandboxes and containers on the real kernel (root):
// overlay root, CRI logs, exit codes, stop semantics, status, env/user/mounts,
// exec, attach, port-forward, and that nothing is left behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, mountsUnder, podConfig, testRuntime, type TestRuntimeEnv } from '../testing/runtime-env.js';
import type { ContainerConfig } from './cri.js';

let env: TestRuntimeEnv;
let sb: string;
const logDir = () => join(env.root, 'logs');

before(async () => {
  env = testRuntime();
  sb = await env.runtime.runPodSandbox(podConfig('life', { logDirectory: join(env.root, 'logs') }));
});

after(async () => {
  await env.cleanup();
  assert.deepEqual(cgroupPids(env.prefix), [], 'no process left in our cgroups');
  assert.deepEqual(mountsUnder(env.root), [], 'no mount left');
  assert.ok(!existsSync(`/sys/fs/cgroup/memory/${env.prefix}`) && !existsSync(`/sys/fs/cgroup/${env.prefix}/cgroup.procs`), 'cgroups removed');
});

async function run(name: string, cfg: Partial<ContainerConfig>, timeoutMs = 20_000) {
  const rt = env.runtime;
  const id = await rt.createContainer(sb, { metadata: { name }, image: 'busybox', logPath: `${name}/0.log`, ...cfg });
  await rt.startContainer(id);
  assert.ok(await rt.waitExit(id, timeoutMs), `${name} exited in time`);
  return { id, status: await rt.containerStatus(id), log: readFileSync(join(logDir(), name, '0.log'), 'utf8') };
}

/** The text of a CRI log, checking the format of every line. */
function logText(log: string, stream?: 'stdout' | 'stderr'): string {
  const lines = log.split('\n').filter(Boolean);
  let out = '';
  for (const l of lines) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) (F|P) (.*)$/.exec(l);
    assert.ok(m, `CRI log line: ${l}`);
    assert.ok(!Number.isNaN(Date.parse(m[1])));
    if (!stream || m[2] === stream) out += m[4] + (m[3] === 'F' ? '\n' : '');
  }
  return out;
}

test('sandbox is ready with its own hostname, and listed', async () => {
  const st = await env.runtime.podSandboxStatus(sb);
  assert.equal(st.state, 'SANDBOX_READY');
  assert.ok(st.pid > 0);
  for (const ns of ['uts', 'net', 'ipc']) assert.notEqual(readlinkSync(`/proc/${st.pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `own ${ns} namespace`);
  const list = await env.runtime.listPodSandbox({ state: 'SANDBOX_READY' });
  assert.ok(list.some((s) => s.id === sb));
});

test('container output goes to a CRI log; exit code and reason recorded', async () => {
  const { status, log } = await run('out', { command: ['sh', '-c', 'echo hello; echo oops >&2; printf partial; exit 3'] });
  assert.equal(status.state, 'CONTAINER_EXITED');
  assert.equal(status.exitCode, 3);
  assert.equal(status.reason, 'Error');
  assert.ok(status.startedAt > 0 && status.finishedAt >= status.startedAt && status.startedAt >= status.createdAt - 5);
  assert.equal(logText(log, 'stdout'), 'hello\npartial\n');
  assert.equal(logText(log, 'stderr'), 'oops\n');
  const ok = await run('ok', { command: ['true'] });
  assert.equal(ok.status.exitCode, 0);
  assert.equal(ok.status.reason, 'Completed');
});

test('hostname, /etc/hosts, resolv.conf; PID 1; own overlay root; image env and workingDir', async () => {
  const { log } = await run('facts', {
    command: ['sh', '-c', 'hostname; cat /etc/hostname; echo pid=$$; echo env=$FOO:$HOSTNAME; pwd; grep -c overlay /proc/mounts; touch /newfile && echo wrote'],
    env: [{ key: 'FOO', value: 'bar' }],
    workingDir: '/work/dir',
  });
  assert.equal(logText(log), 'life\nlife\npid=1\nenv=bar:life\n/work/dir\n1\nwrote\n');
  assert.ok(!existsSync(join(env.busyboxLayer, 'newfile')), 'writes land in the upper dir, not the image layer');
});

test('runAsUser/runAsGroup, read-only host mount, writable host mount, readOnlyRootFilesystem', async () => {
  const host = join(env.root, 'vol');
  mkdirSync(host);
  writeFileSync(join(host, 'in.txt'), 'from host\n');
  const rw = join(env.root, 'rw');
  mkdirSync(rw);
  chmodSync(rw, 0o777);
  const { log } = await run('mounts', {
    command: ['sh', '-c', 'id -u; id -g; cat /data/in.txt; touch /data/x 2>/dev/null || echo ro-ok; echo w > /rw/out; touch /root-file 2>/dev/null || echo rootro-ok'],
    mounts: [
      { hostPath: host, containerPath: '/data', readonly: true },
      { hostPath: rw, containerPath: '/rw' },
    ],
    securityContext: { runAsUser: 1000, runAsGroup: 1001, readOnlyRootFilesystem: true },
  });
  assert.equal(logText(log), '1000\n1001\nfrom host\nro-ok\nrootro-ok\n');
  assert.equal(readFileSync(join(rw, 'out'), 'utf8'), 'w\n');
  assert.ok(!existsSync(join(host, 'x')));
});

test('stop: SIGTERM handled → exits with the trap code; ignored → SIGKILL after the grace period', async () => {
  const rt = env.runtime;
  const a = await rt.createContainer(sb, { metadata: { name: 'term' }, image: 'busybox', command: ['sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.1; done'] });
  await rt.startContainer(a);
  assert.equal((await rt.containerStatus(a)).state, 'CONTAINER_RUNNING');
  await new Promise((r) => setTimeout(r, 200)); // let the shell install its trap
  await rt.stopContainer(a, 10);
  let s = await rt.containerStatus(a);
  assert.equal(s.exitCode, 42);
  const b = await rt.createContainer(sb, { metadata: { name: 'stubborn' }, image: 'busybox', command: ['sleep', '1000'] });
  await rt.startContainer(b);
  const t0 = Date.now();
  await rt.stopContainer(b, 1);
  const took = Date.now() - t0;
  s = await rt.containerStatus(b);
  assert.equal(s.state, 'CONTAINER_EXITED');
  assert.equal(s.exitCode, 137, 'killed by SIGKILL');
  assert.ok(took >= 900, `waited the grace period (${took} ms)`);
  await rt.removeContainer(a);
  await rt.removeContainer(b);
  assert.equal((await rt.listContainers({ id: a })).length, 0);
  await assert.rejects(rt.containerStatus(a), /not found/);
});

test('exec sync: output, exit code, timeout; streaming exec with stdin; attach sees output', async () => {
  const rt = env.runtime;
  const id = await rt.createContainer(sb, {
    metadata: { name: 'svc' },
    image: 'busybox',
    command: ['sh', '-c', 'echo started; while true; do echo tick; sleep 0.2; done'],
    env: [{ key: 'MARK', value: 'm1' }],
    logPath: 'svc/0.log',
  });
  await rt.startContainer(id);
  const r = await rt.execSync(id, ['sh', '-c', 'echo $MARK; echo e >&2; cat /proc/1/cmdline | tr "\\0" " "; exit 5'], 10);
  assert.equal(r.exitCode, 5);
  assert.equal(r.stdout.toString(), 'm1\nsh -c echo started; while true; do echo tick; sleep 0.2; done ');
  assert.equal(r.stderr.toString(), 'e\n');
  const t0 = Date.now();
  const slow = await rt.execSync(id, ['sh', '-c', 'sleep 31; echo never'], 1);
  assert.ok(slow.timedOut && Date.now() - t0 < 10_000);
  let left = '';
  for (let i = 0; i < 50; i++) {
    left = (await rt.execSync(id, ['sh', '-c', 'pgrep -f "sleep 31" || echo none'], 10)).stdout.toString();
    if (left === 'none\n') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(left, 'none\n', 'the timed-out exec and its children were killed');
  await assert.rejects(rt.startContainer(id), /already started|not CONTAINER_CREATED/);

  const s = await rt.exec({ containerId: id, cmd: ['sh', '-c', 'read x; echo got-$x'], stdin: true });
  let out = '';
  s.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  s.stdin!.end('abc\n');
  assert.equal(await s.wait(), 0);
  assert.equal(out, 'got-abc\n');

  const tty = await rt.exec({ containerId: id, cmd: ['sh', '-c', 'stty size; tty'], tty: true });
  let tout = '';
  tty.stdout!.on('data', (d: Buffer) => (tout += d.toString()));
  tty.resize({ width: 100, height: 40 });
  assert.equal(await tty.wait(), 0);
  assert.match(tout, /\/dev\/pts\/\d+/);

  const a = await rt.attach({ containerId: id, stdout: true });
  let aout = '';
  a.stdout!.on('data', (d: Buffer) => (aout += d.toString()));
  for (let i = 0; i < 100 && !aout.includes('tick'); i++) await new Promise((res) => setTimeout(res, 50));
  assert.match(aout, /tick/);
  a.close();
  await rt.stopContainer(id, 0);
  const st = await rt.containerStatus(id);
  assert.equal(st.exitCode, 137);
});

test('attach with stdin to an interactive container', async () => {
  const rt = env.runtime;
  const id = await rt.createContainer(sb, { metadata: { name: 'cat' }, image: 'busybox', command: ['sh', '-c', 'while read l; do echo echo:$l; done; echo bye'], stdin: true, stdinOnce: true, logPath: 'cat/0.log' });
  await rt.startContainer(id);
  const a = await rt.attach({ containerId: id, stdin: true, stdout: true });
  let out = '';
  a.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  a.stdin!.write('one\n');
  a.stdin!.end('two\n');
  assert.equal(await a.wait(), 0, 'exit code delivered over attach');
  assert.equal(out, 'echo:one\necho:two\nbye\n');
  assert.equal(logText(readFileSync(join(logDir(), 'cat', '0.log'), 'utf8')), 'echo:one\necho:two\nbye\n');
});

test('attach stdin larger than the monitor\'s frame buffer (a pasted block) arrives whole', async () => {
  const rt = env.runtime;
  const id = await rt.createContainer(sb, { metadata: { name: 'wc' }, image: 'busybox', command: ['wc', '-c'], stdin: true, stdinOnce: true });
  await rt.startContainer(id);
  const a = await rt.attach({ containerId: id, stdin: true, stdout: true });
  let out = '';
  a.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  a.stdin!.end(Buffer.alloc(200_000, 'x'));
  assert.equal(await a.wait(), 0);
  assert.equal(out.trim(), '200000');
});

test('port-forward reaches a server on the pod loopback', async () => {
  const rt = env.runtime;
  const id = await rt.createContainer(sb, { metadata: { name: 'nc' }, image: 'busybox', command: ['sh', '-c', 'echo pong | nc -l -p 8081'] });
  await rt.startContainer(id);
  let got = '';
  for (let i = 0; i < 50 && !got; i++) {
    try {
      const d = await rt.portForward(sb, 8081);
      got = await new Promise<string>((res, rej) => {
        let s = '';
        d.on('data', (b: Buffer) => (s += b.toString()));
        d.on('end', () => res(s));
        d.on('error', rej);
        d.end();
      });
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.equal(got, 'pong\n');
  await rt.stopContainer(id, 0);
});

test('log rotation keeps files under the size limit', async () => {
  const small = testRuntime({ logMaxBytes: 4096, logMaxFiles: 3 });
  try {
    const s = await small.runtime.runPodSandbox(podConfig('rot', { logDirectory: join(small.root, 'logs') }));
    const id = await small.runtime.createContainer(s, { metadata: { name: 'r' }, image: 'busybox', command: ['sh', '-c', 'i=0; while [ $i -lt 400 ]; do echo line-$i; i=$((i+1)); done'], logPath: 'r/0.log' });
    await small.runtime.startContainer(id);
    assert.ok(await small.runtime.waitExit(id, 20_000));
    const p = join(small.root, 'logs', 'r', '0.log');
    assert.ok(existsSync(`${p}.1`) && existsSync(`${p}.2`) && !existsSync(`${p}.3`));
    for (const f of [p, `${p}.1`, `${p}.2`]) assert.ok(readFileSync(f).length <= 4096);
    assert.match(logText(readFileSync(p, 'utf8')), /line-399\n$/);
  } finally {
    await small.cleanup();
  }
});

test('stopPodSandbox kills containers and pause; removePodSandbox removes everything', async () => {
  const rt = env.runtime;
  const s2 = await rt.runPodSandbox(podConfig('gone'));
  const id = await rt.createContainer(s2, { metadata: { name: 'sleep' }, image: 'busybox', command: ['sleep', '1000'] });
  await rt.startContainer(id);
  const pause = (await rt.podSandboxStatus(s2)).pid;
  await rt.stopPodSandbox(s2);
  assert.equal((await rt.containerStatus(id)).state, 'CONTAINER_EXITED');
  assert.equal((await rt.podSandboxStatus(s2)).state, 'SANDBOX_NOTREADY');
  assert.ok(!existsSync(`/proc/${pause}/ns`) || !readFileSync(`/proc/${pause}/cgroup`, 'utf8').includes(env.prefix));
  await rt.removePodSandbox(s2);
  await assert.rejects(rt.podSandboxStatus(s2), /not found/);
  assert.equal((await rt.listContainers({ podSandboxId: s2 })).length, 0);
  await rt.removePodSandbox(s2); // idempotent
});

test('tty container: output through a pty, attach can resize', async () => {
  const rt = env.runtime;
  const id = await rt.createContainer(sb, { metadata: { name: 'tty' }, image: 'busybox', command: ['sh', '-c', 'tty; sleep 1; stty size; exit 0'], tty: true, logPath: 'tty/0.log' });
  await rt.startContainer(id);
  const a = await rt.attach({ containerId: id, stdout: true, tty: true });
  a.resize({ width: 123, height: 45 });
  assert.equal(await a.wait(), 0);
  const log = logText(readFileSync(join(logDir(), 'tty', '0.log'), 'utf8').replace(/\r/g, ''));
  assert.match(log, /^\/dev\/console\n45 123\n$/);
});

test('hostNetwork pod shares the host network namespace and hostname', async () => {
  const rt = env.runtime;
  const hs = await rt.runPodSandbox(podConfig('hostnet', { hostNetwork: true }));
  const id = await rt.createContainer(hs, { metadata: { name: 'h' }, image: 'busybox', command: ['sleep', '100'] });
  await rt.startContainer(id);
  const pid = (await rt.containerStatus(id)).pid;
  assert.equal(readlinkSync(`/proc/${pid}/ns/net`), readlinkSync('/proc/self/ns/net'));
  assert.equal(readlinkSync(`/proc/${pid}/ns/uts`), readlinkSync('/proc/self/ns/uts'));
  assert.notEqual(readlinkSync(`/proc/${pid}/ns/ipc`), readlinkSync('/proc/self/ns/ipc'));
  assert.equal((await rt.execSync(id, ['hostname'], 10)).stdout.toString().trim(), readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
  assert.equal((await rt.podSandboxStatus(hs)).network.ip, '');
  await rt.removePodSandbox(hs);
});

test('a command that cannot start is reported, not hung', async () => {
  const rt = env.runtime;
  const id = await rt.createContainer(sb, { metadata: { name: 'nope' }, image: 'busybox', command: ['/no/such/binary'] });
  await assert.rejects(rt.startContainer(id), /exec \/no\/such\/binary/);
  const st = await rt.containerStatus(id);
  assert.equal(st.state, 'CONTAINER_EXITED');
  assert.equal(st.reason, 'ContainerCannotRun');
  assert.match(st.message, /No such file/);
});

test('two sandboxes of one pod (a restart attempt) share the pod cgroup; removing the old keeps the new', async () => {
  const rt = env.runtime;
  const cfg = podConfig('again');
  const first = await rt.runPodSandbox({ ...cfg, metadata: { ...cfg.metadata, attempt: 0 } });
  const second = await rt.runPodSandbox({ ...cfg, metadata: { ...cfg.metadata, attempt: 1 } });
  const id = await rt.createContainer(second, { metadata: { name: 'c' }, image: 'busybox', command: ['sleep', '1000'] });
  await rt.startContainer(id);
  await rt.removePodSandbox(first);
  assert.equal((await rt.podSandboxStatus(second)).state, 'SANDBOX_READY');
  assert.equal((await rt.containerStatus(id)).state, 'CONTAINER_RUNNING');
  await rt.removePodSandbox(second);
});
