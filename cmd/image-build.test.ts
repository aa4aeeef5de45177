import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBuildFlags } from './image-build.js';

test('image build flags: repeatable -t and --build-arg, = and space forms, globals, one context', () => {
  process.env.TKB_FROM_ENV = 'env-value';
  const f = parseBuildFlags(['-t', 'a:1', '--tag=b', '--build-arg', 'K=V', '--build-arg=E=x=y', '--build-arg', 'TKB_FROM_ENV', '-f', 'D', '--target', 's', '--no-cache', '--network', 'none', '--images-root=/i', '--cgroup-root', 'cg', 'ctx']);
  assert.deepEqual(f.tags, ['a:1', 'b']);
  assert.deepEqual(f.buildArgs, { K: 'V', E: 'x=y', TKB_FROM_ENV: 'env-value' });
  assert.deepEqual([f.file, f.target, f.noCache, f.network, f.imagesRoot, f.cgroupRoot, f.context], ['D', 's', true, 'none', '/i', 'cg', 'ctx']);
  assert.equal(parseBuildFlags(['.']).imagesRoot, '/var/lib/tskube/images', "the kubelet's store by default");
  assert.throws(() => parseBuildFlags(['--network', 'host', '.']), /none or bridge/);
  assert.throws(() => parseBuildFlags(['--bogus', '.']), /unknown flag: --bogus/);
  assert.throws(() => parseBuildFlags([]), /exactly 1 argument/);
  assert.throws(() => parseBuildFlags(['-t']), /needs an argument/);
});
