// `hyperkube reset` leaves nothing behind: containers started through the runtime CLI
// (with a pod network and a hostPort) are gone with their processes, cgroups, bridge,
// chains and directories. Every name is unique to this test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cgroupPids } from '../runtime/reset.js';
import { startEtcd } from '../testing/etcd.js';
import { procStartTime } from '../cmd/proc-identity.js';

const run = promisify(execFile);

function hyperkube(): string[] {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? ['--import', 'tsx', fileURLToPath(new URL('../cmd/hyperkube.ts', import.meta.url))] : [fileURLToPath(new URL('../cmd/hyperkube.js', import.meta.url))];
}

test('reset removes containers, cgroups, bridge, chains and state', async () => {
  const tag = Math.random().toString(36).slice(2, 6);
  const root = mkdtempSync(join(tmpdir(), 'tkt-reset-'));
  const dataDir = join(root, 'data');
  const stateDir = join(root, 'state');
  const logDir = join(root, 'logs');
  const bridge = `tkr${tag}`;
  const chains = `TKR${tag.toUpperCase()}`.slice(0, 7);
  const cgroup = `tkr${tag}`;
  const cidr = `10.244.${100 + Math.floor(Math.random() * 100)}.0/24`;
  const common = [
    `--state-dir=${stateDir}`,
    `--cgroup-root=${cgroup}`,
  ];
  const rt = [
    ...common,
    `--containers-dir=${join(dataDir, 'containers')}`,
    `--images-root=${join(dataDir, 'images')}`,
    `--log-dir=${logDir}`,
    `--pod-cidr=${cidr}`,
    `--bridge=${bridge}`,
    `--network-state-dir=${join(stateDir, 'network')}`,
    `--chain-prefix=${chains}`,
  ];
  const reset = [...common, `--data-dir=${dataDir}`, `--log-dir=${logDir}`, `--bridge=${bridge}`, `--chain-prefix=${chains}`, `--proxy-chain-prefix=TKRP${tag.toUpperCase()}`.slice(0, 27), `--service-device=tkrs${tag}`];
  try {
    const a = await run(process.execPath, [...hyperkube(), 'runtime', ...rt, 'run', '-d', '--name', `r1${tag}`, '-p', '18080:80', 'busybox', '--', 'sleep', '300']);
    assert.match(a.stdout.trim(), /^[0-9a-f]+$/);
    await run(process.execPath, [...hyperkube(), 'runtime', ...rt, 'run', '-d', '--name', `r2${tag}`, 'busybox', '--', 'sleep', '300']);
    assert.ok(cgroupPids(cgroup).length >= 2, 'containers are running');
    assert.match((await run('ip', ['-o', 'link', 'show', bridge])).stdout, new RegExp(bridge));
    assert.match((await run('iptables-save', ['-t', 'nat'])).stdout, new RegExp(`${chains}-`));

    const r = await run(process.execPath, [...hyperkube(), 'reset', ...reset]);
    assert.match(r.stdout, /containers, pod sandboxes and their cgroups removed/);

    assert.deepEqual(cgroupPids(cgroup), []);
    assert.ok(!existsSync(`/sys/fs/cgroup/memory/${cgroup}`), 'cgroup tree removed');
    await assert.rejects(run('ip', ['-o', 'link', 'show', bridge]));
    const rulesLeft = (await run('iptables-save')).stdout;
    assert.doesNotMatch(rulesLeft, new RegExp(`${chains}-`));
    // With no localnet guard left (none of another cluster), route_localnet is off again.
    if (!/-d 127\.0\.0\.0\/8 .*-j DROP/.test(rulesLeft)) {
      assert.equal(readFileSync('/proc/sys/net/ipv4/conf/all/route_localnet', 'utf8').trim(), '0');
      assert.match(r.stdout, /route_localnet set back to 0|route_localnet was not on/);
    }
    assert.ok(!existsSync(dataDir) && !existsSync(stateDir) && !existsSync(logDir));
    const mounts = (await run('cat', ['/proc/self/mountinfo'])).stdout;
    assert.doesNotMatch(mounts, new RegExp(root));
  } finally {
    await run(process.execPath, [...hyperkube(), 'reset', ...reset]).catch(() => undefined);
    await run('rm', ['-rf', root]);
  }
});

test('reset stops the processes up recorded (a stale etcd of a kill -9\'d up), never a pid whose start time differs', { timeout: 120_000 }, async () => {
  const tag = Math.random().toString(36).slice(2, 6);
  const root = mkdtempSync(join(tmpdir(), 'tkt-reset-procs-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  // A stale etcd as a kill -9'd `up` of old would leave it: running, parent gone.
  const etcd = await startEtcd();
  // A process that merely got a recorded pid: here, the pid of a sleep recorded with another start time.
  const bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
  const deadUp = spawn('true');
  await new Promise((r) => deadUp.once('exit', r));
  try {
    const etcdStart = procStartTime(etcd.pid)!;
    const sleepStart = procStartTime(bystander.pid!)!;
    writeFileSync(join(dataDir, 'procs.json'), JSON.stringify({
      up: { pid: deadUp.pid, start: 1 },
      etcd: { pid: etcd.pid, start: etcdStart },
      apiserver: { pid: bystander.pid, start: sleepStart + 1 },
    }));
    const names = [`--data-dir=${dataDir}`, `--state-dir=${join(root, 'state')}`, `--log-dir=${join(root, 'logs')}`, `--cgroup-root=tkq${tag}`, `--bridge=tkq${tag}`, `--chain-prefix=TKQ${tag.toUpperCase()}`, `--proxy-chain-prefix=TKQP${tag.toUpperCase()}`.slice(0, 27), `--service-device=tkqs${tag}`];
    const r = await run(process.execPath, [...hyperkube(), 'reset', ...names]);
    assert.match(r.stdout, new RegExp(`stopping etcd \\(pid ${etcd.pid}\\)`));
    assert.doesNotMatch(r.stdout, /stopping apiserver|stopping hyperkube up/);
    // It is this test's child: gone once Node has reaped it.
    for (let i = 0; i < 50 && procStartTime(etcd.pid) !== undefined; i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal(procStartTime(etcd.pid), undefined, 'the stale etcd is gone');
    assert.ok(procStartTime(bystander.pid!) === sleepStart && bystander.exitCode === null && bystander.signalCode === null, 'the process with another start time was not signalled');
  } finally {
    bystander.kill('SIGKILL');
    await etcd.stop();
    await run('rm', ['-rf', root]);
  }
});
