import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mergeEnv, resolveArgv, resolveProcess } from './command.js';
import { capabilityNumber, effectiveCapabilities, DEFAULT_CAPABILITIES } from './capabilities.js';
import { encodeShimConfig } from './shim-config.js';

test('command/args resolve against Entrypoint/Cmd as Kubernetes does', () => {
  const img = { Entrypoint: ['/ep'], Cmd: ['c1', 'c2'] };
  assert.deepEqual(resolveArgv(img), ['/ep', 'c1', 'c2']);
  assert.deepEqual(resolveArgv(img, ['/cmd']), ['/cmd'], 'command drops Entrypoint and Cmd');
  assert.deepEqual(resolveArgv(img, ['/cmd'], ['a']), ['/cmd', 'a']);
  assert.deepEqual(resolveArgv(img, undefined, ['a', 'b']), ['/ep', 'a', 'b'], 'args replace Cmd only');
  assert.deepEqual(resolveArgv({ Cmd: ['sh'] }, [], []), ['sh'], 'empty lists count as unset');
  assert.throws(() => resolveProcess({}, {}), /no command/);
});

test('env: image env under container env, PATH defaulted', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], [{ key: 'B', value: 'x=y' }, { key: 'C', value: '' }]), ['A=1', 'B=x=y', 'C=', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  assert.deepEqual(mergeEnv(['PATH=/bin'], []), ['PATH=/bin']);
});

test('user, group and workingDir precedence', () => {
  const p = resolveProcess({ User: '10:20', WorkingDir: '/w', Cmd: ['x'] }, {});
  assert.deepEqual([p.uid, p.gid, p.cwd], [10, 20, '/w']);
  const q = resolveProcess({ User: '10:20', WorkingDir: '/w', Cmd: ['x'] }, { workingDir: '/o', securityContext: { runAsUser: 5, runAsGroup: 6 } });
  assert.deepEqual([q.uid, q.gid, q.cwd], [5, 6, '/o']);
});

test('capabilities: runc defaults, add/drop, privileged', () => {
  const def = effectiveCapabilities({});
  assert.equal(def.length, DEFAULT_CAPABILITIES.length);
  assert.ok(!def.includes(capabilityNumber('SYS_ADMIN')));
  assert.ok(def.includes(capabilityNumber('CAP_CHOWN')));
  const more = effectiveCapabilities({ add: ['NET_ADMIN'], drop: ['chown'] });
  assert.ok(more.includes(12) && !more.includes(0));
  assert.deepEqual(effectiveCapabilities({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] }), [10]);
  assert.equal(effectiveCapabilities({ privileged: true }, 40).length, 41);
  assert.throws(() => capabilityNumber('NOPE'), /unknown capability/);
});

test('shim config escapes newlines and backslashes', () => {
  assert.equal(encodeShimConfig([['arg', 'a\nb\\c'], ['uid', 0]]), 'arg a\\nb\\\\c\nuid 0\n');
  assert.throws(() => encodeShimConfig([['bad key', 'x']]));
});

test('image User names resolve through the image passwd/group, top layer first', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { lookupUser } = await import('./users.js');
  const d = mkdtempSync(join(tmpdir(), 'tktusers-'));
  try {
    for (const l of ['l0', 'l1']) mkdirSync(join(d, l, 'etc'), { recursive: true });
    writeFileSync(join(d, 'l0', 'etc', 'passwd'), 'app:x:5:5::/:/bin/sh\n');
    writeFileSync(join(d, 'l1', 'etc', 'passwd'), 'app:x:7:8::/:/bin/sh\n');
    writeFileSync(join(d, 'l0', 'etc', 'group'), 'staff:x:50:\n');
    const layers = [join(d, 'l0'), join(d, 'l1')];
    assert.deepEqual(lookupUser(layers, 'app'), { uid: 7, gid: 8 });
    assert.deepEqual(lookupUser(layers, 'app:staff'), { uid: 7, gid: 50 });
    assert.equal(lookupUser(layers, '10:20'), null);
    assert.throws(() => lookupUser(layers, 'ghost'), /unable to find user ghost/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
