// Isolation between pods and the security defaults, on the real kernel.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, mountsUnder, podConfig, testRuntime, type TestRuntimeEnv } from '../testing/runtime-env.js';
import type { ContainerConfig } from './cri.js';

let env: TestRuntimeEnv;
let pod1: string;
let pod2: string;

before(async () => {
  env = testRuntime();
  pod1 = await env.runtime.runPodSandbox(podConfig('pod-one', { logDirectory: join(env.root, 'logs1') }));
  pod2 = await env.runtime.runPodSandbox(podConfig('pod-two', { logDirectory: join(env.root, 'logs2') }));
});

after(async () => {
  await env.cleanup();
  assert.deepEqual(cgroupPids(env.prefix), []);
  assert.deepEqual(mountsUnder(env.root), []);
});

async function start(pod: string, name: string, cfg: Partial<ContainerConfig>) {
  const id = await env.runtime.createContainer(pod, { metadata: { name }, image: 'busybox', logPath: `${name}.log`, ...cfg });
  await env.runtime.startContainer(id);
  return id;
}

async function sh(id: string, script: string): Promise<{ out: string; code: number }> {
  const r = await env.runtime.execSync(id, ['sh', '-c', script], 20);
  return { out: r.stdout.toString() + r.stderr.toString(), code: r.exitCode };
}

test('two containers of one pod talk over localhost', async () => {
  const server = await start(pod1, 'server', { command: ['sh', '-c', 'while true; do echo hello-from-server | nc -l -p 8080; done'] });
  const client = await start(pod1, 'client', { command: ['sh', '-c', 'for i in $(seq 1 100); do r=$(nc 127.0.0.1 8080 </dev/null) && [ -n "$r" ] && echo "$r" && exit 0; sleep 0.1; done; exit 1'] });
  assert.ok(await env.runtime.waitExit(client, 30_000));
  const st = await env.runtime.containerStatus(client);
  assert.equal(st.exitCode, 0);
  assert.match(readFileSync(join(env.root, 'logs1', 'client.log'), 'utf8'), /stdout F hello-from-server/);
  // Same pod: same net/ipc/uts namespaces, different mount and pid namespaces.
  const a = (await env.runtime.containerStatus(server)).pid;
  const pause = (await env.runtime.podSandboxStatus(pod1)).pid;
  for (const ns of ['net', 'ipc', 'uts']) assert.equal(readlinkSync(`/proc/${a}/ns/${ns}`), readlinkSync(`/proc/${pause}/ns/${ns}`));
  for (const ns of ['mnt', 'pid']) assert.notEqual(readlinkSync(`/proc/${a}/ns/${ns}`), readlinkSync(`/proc/${pause}/ns/${ns}`));
  await env.runtime.stopContainer(server, 0);
});

test('containers of different pods cannot see each other (processes, mounts, IPC, hostname, network)', async () => {
  const one = await start(pod1, 'one', { command: ['sh', '-c', 'echo secret > /marker; sleep 1000'] });
  const two = await start(pod2, 'two', { command: ['sleep', '1000'] });
  const p1 = (await env.runtime.containerStatus(one)).pid;
  const p2 = (await env.runtime.containerStatus(two)).pid;
  for (const ns of ['net', 'ipc', 'uts', 'mnt', 'pid']) assert.notEqual(readlinkSync(`/proc/${p1}/ns/${ns}`), readlinkSync(`/proc/${p2}/ns/${ns}`), ns);
  // Processes: pod two sees only its own (sleep as PID 1 plus the exec'd shell).
  const ps = await sh(two, 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done');
  assert.doesNotMatch(ps.out, /secret/, 'pod one\'s processes invisible');
  assert.equal(ps.out.split('\n').filter((l) => l === 'sleep 1000 ').length, 1, 'only its own sleep');
  assert.equal((await sh(two, 'cat /proc/1/cmdline | tr "\\0" " "')).out, 'sleep 1000 ', 'its own PID 1');
  assert.equal((await sh(two, 'cat /marker 2>&1 || echo missing')).out.trim().split('\n').pop(), 'missing');
  assert.equal((await sh(two, 'hostname')).out, 'pod-two\n');
  assert.equal((await sh(one, 'hostname')).out, 'pod-one\n');
  // A server on pod one's loopback is not reachable from pod two.
  const srv = await start(pod1, 'lo-srv', { command: ['sh', '-c', 'while true; do echo x | nc -l -p 9090; done'] });
  await sh(one, 'for i in $(seq 1 50); do netstat -ltn | grep -q :9090 && exit 0; sleep 0.1; done');
  assert.notEqual((await sh(two, 'nc -w 1 127.0.0.1 9090 </dev/null')).code, 0);
  assert.equal((await sh(one, 'nc -w 2 127.0.0.1 9090 </dev/null')).out, 'x\n');
  // Only the container's own mounts are visible: no host paths under our temp root.
  assert.doesNotMatch((await sh(two, 'cat /proc/mounts')).out, new RegExp(`${join(env.root, 'containers')}/(?!.*${two.slice(0, 8)})`));
  for (const id of [one, two, srv]) await env.runtime.stopContainer(id, 0);
});

test('security defaults: no mount, no modules, no host network changes, masked and read-only /proc, /sys ro, minimal /dev', async () => {
  const c = await start(pod2, 'sec', { command: ['sleep', '1000'] });
  assert.match((await sh(c, 'mkdir -p /mnt; mount -t tmpfs none /mnt')).out, /denied|not permitted/, 'mount refused');
  assert.match((await sh(c, 'mount --bind /bin /mnt')).out, /denied|not permitted/, 'bind mount refused');
  const status = (await sh(c, 'cat /proc/self/status')).out;
  const capEff = BigInt('0x' + /CapEff:\s+(\w+)/.exec(status)![1]);
  const capBnd = BigInt('0x' + /CapBnd:\s+(\w+)/.exec(status)![1]);
  for (const cap of [21n /* SYS_ADMIN */, 12n /* NET_ADMIN */, 16n /* SYS_MODULE */, 19n /* SYS_PTRACE */]) {
    assert.equal((capEff >> cap) & 1n, 0n, `cap ${cap} not effective`);
    assert.equal((capBnd >> cap) & 1n, 0n, `cap ${cap} not in bounding set`);
  }
  assert.equal(capEff, 0xa80425fbn, 'exactly the default set (runc)');
  assert.match(status, /NoNewPrivs:\s+1/);
  assert.match((await sh(c, 'ip addr add 10.254.254.254/32 dev lo')).out, /not permitted/, 'cannot change addresses');
  assert.notEqual((await sh(c, 'ip link set lo down')).code, 0, 'cannot change links');
  assert.doesNotMatch((await sh(c, 'ip link')).out, /eth0|cbr0|docker|ens|enp/, 'host interfaces invisible');
  // This kernel may lack /proc/kcore; every masked path that exists must read empty.
  for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug']) {
    if (existsSync(p)) assert.equal((await sh(c, `wc -c < ${p}`)).out.trim(), '0', `${p} masked`);
  }
  assert.equal((await sh(c, 'ls /sys/firmware | wc -l')).out.trim(), '0', '/sys/firmware masked');
  assert.equal((await sh(c, 'ls /proc/acpi 2>/dev/null | wc -l')).out.trim(), '0');
  assert.notEqual((await sh(c, 'echo 1 > /proc/sys/net/ipv4/ip_forward')).code, 0, '/proc/sys read-only');
  assert.notEqual((await sh(c, 'echo b > /proc/sysrq-trigger')).code, 0);
  assert.notEqual((await sh(c, 'touch /sys/x; echo 1 > /sys/kernel/mm/ksm/run')).code, 0, '/sys read-only');
  assert.equal((await sh(c, 'ls /dev | sort | tr "\\n" " "')).out, 'core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ');
  // /dev/kmsg (c 1:11) opens on the host: inside, creating the node is allowed (runc: "c *:* m"),
  // opening it is not (devices cgroup / nodev), wherever it is created.
  for (const dir of ['/tmp', '/dev']) {
    const r = await sh(c, `mknod ${dir}/kmsg c 1 11 && echo made; : < ${dir}/kmsg && echo OPENED`);
    assert.match(r.out, /^made\n/, `mknod in ${dir}`);
    assert.doesNotMatch(r.out, /OPENED/, `host device not usable through ${dir}`);
  }
  await env.runtime.stopContainer(c, 0);
});

test('privileged lifts the defaults', async () => {
  const c = await start(pod2, 'priv', { command: ['sleep', '1000'], securityContext: { privileged: true } });
  assert.equal((await sh(c, 'mkdir -p /mnt; mount -t tmpfs none /mnt && echo ok')).out, 'ok\n');
  const hostEff = /CapEff:\s+(\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1];
  assert.equal(/CapEff:\s+(\w+)/.exec((await sh(c, 'cat /proc/self/status')).out)![1], hostEff, 'all capabilities the runtime holds');
  assert.notEqual((await sh(c, 'wc -c < /proc/timer_list')).out.trim(), '0', 'nothing masked');
  assert.match((await sh(c, 'mknod /tmp/kmsg c 1 11 && : < /tmp/kmsg && echo OPENED')).out, /OPENED/, 'devices usable when privileged');
  await env.runtime.stopContainer(c, 0);
});

test('capabilities add/drop and non-root users', async () => {
  const c = await start(pod2, 'caps', { command: ['sleep', '1000'], securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['CHOWN'] } } });
  const s = (await sh(c, 'cat /proc/self/status')).out;
  const eff = BigInt('0x' + /CapEff:\s+(\w+)/.exec(s)![1]);
  assert.equal((eff >> 12n) & 1n, 1n);
  assert.equal(eff & 1n, 0n);
  assert.equal((await sh(c, 'ip addr add 10.254.254.254/32 dev lo && ip addr del 10.254.254.254/32 dev lo && echo ok')).out, 'ok\n', 'NET_ADMIN in the pod netns only');
  await env.runtime.stopContainer(c, 0);
  const u = await start(pod2, 'user', { command: ['sleep', '1000'], securityContext: { runAsUser: 65534, runAsGroup: 65534 } });
  const us = (await sh(u, 'id -u; grep CapEff /proc/self/status')).out;
  assert.match(us, /^65534\nCapEff:\s+0000000000000000\n$/);
  await env.runtime.stopContainer(u, 0);
});
