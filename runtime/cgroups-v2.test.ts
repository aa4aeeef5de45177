// The cgroup v2 driver's code path, on whatever unified hierarchy this machine has
// (the hybrid layout mounts one without controllers at /sys/fs/cgroup/unified).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CgroupV2 } from './cgroups.js';

const root = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';

test('v2: create, join, freeze/thaw, stats, remove', { skip: !existsSync(`${root}/cgroup.procs`) && 'no cgroup2 mount' }, async () => {
  const cg = new CgroupV2(root);
  const rel = `tkt${Math.random().toString(36).slice(2, 6)}/pod/c1`;
  const child = spawn('sleep', ['100'], { stdio: 'ignore' });
  try {
    await cg.create(rel, { memoryLimitBytes: root === '/sys/fs/cgroup' ? 64 << 20 : undefined });
    assert.ok(cg.exists(rel));
    const [procs] = cg.procsFiles(rel);
    await import('node:fs').then((fs) => fs.writeFileSync(procs, String(child.pid)));
    assert.deepEqual(cg.pids(rel), [child.pid]);
    await cg.setFrozen(rel, true);
    assert.match(readFileSync(`/proc/${child.pid}/status`, 'utf8'), /State:\s+[ST]/);
    assert.match(readFileSync(`${root}/${rel}/cgroup.events`, 'utf8'), /frozen 1/);
    await cg.setFrozen(rel, false);
    assert.match(readFileSync(`${root}/${rel}/cgroup.events`, 'utf8'), /frozen 0/);
    assert.ok(cg.oomFile(rel).endsWith('memory.events'));
    const s = cg.stats(rel);
    assert.equal(typeof s.cpuUsageNs, 'number');
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await cg.remove(rel.split('/')[0]);
  }
  assert.ok(!cg.exists(rel.split('/')[0]));
});
