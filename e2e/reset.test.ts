// `hyperkube reset` leaves nothing behind: containers started through the runtime CLI
// (with a pod network and a hostPort) are gone with their processes, cgroups, bridge,
// chains and directories. Every name is unique to this test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cgroupPids } from '../runtime/reset.js';

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
    assert.doesNotMatch((await run('iptables-save')).stdout, new RegExp(`${chains}-`));
    assert.ok(!existsSync(dataDir) && !existsSync(stateDir) && !existsSync(logDir));
    const mounts = (await run('cat', ['/proc/self/mountinfo'])).stdout;
    assert.doesNotMatch(mounts, new RegExp(root));
  } finally {
    await run(process.execPath, [...hyperkube(), 'reset', ...reset]).catch(() => undefined);
    await run('rm', ['-rf', root]);
  }
});
