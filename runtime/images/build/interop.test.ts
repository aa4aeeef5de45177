// The built image is a standard one: written out as an OCI layout (layer tars made again from the
// store), Debian's podman pulls it — which checks every blob digest and each layer's diff_id
// against the config — and reads the config and history the builder wrote. Skipped without podman.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from './builder.js';
import { exportOCILayout } from '../../../testing/runtime-oci-export.js';
import { privatePodman, type Podman } from '../../../testing/runtime-podman.js';

let root: string;
let podman: Podman;

before(() => {
  // podman takes the layout path as part of a reference: lowercase only.
  root = join(tmpdir(), `tkb-interop-${randomBytes(4).toString('hex')}`);
  mkdirSync(root);
  podman = privatePodman(join(root, 'podman'));
});
after(() => {
  podman.cleanup();
  rmSync(root, { recursive: true, force: true });
});

test('podman reads a built image: digests, diff_ids, config and history', async (t) => {
  if (!podman.available) return t.skip('podman is not installed');
  const ctx = join(root, 'ctx');
  mkdirSync(join(ctx, 'd'), { recursive: true });
  writeFileSync(join(ctx, 'z.txt'), 'z\n');
  writeFileSync(join(ctx, 'd/a.txt'), 'a\n');
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN mkdir /w && echo one > /w/one && rm /etc/group\nCOPY z.txt d /w/\nWORKDIR /w\nENV K=v\nEXPOSE 80\nCMD ["cat", "one"]\n');
  const r = await buildImage({ imagesRoot: join(root, 'images'), contextDir: ctx, tags: ['test/interop:1'], network: 'none', out: () => undefined });
  const layout = join(root, 'oci');
  await exportOCILayout(join(root, 'images'), 'test/interop:1', layout, 'interop');
  const pull = podman.run(['pull', `oci:${layout}:interop`]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.equal(pull.stdout.trim().split('\n').at(-1), r.id.slice(7), `podman computes the same image id (config digest): ${pull.stdout} ${pull.stderr}`);
  const inspect = JSON.parse(podman.run(['image', 'inspect', r.id.slice(7)]).stdout) as { Config: { Env: string[]; Cmd: string[]; WorkingDir: string; ExposedPorts: object }; RootFS: { Layers: string[] }; History: unknown[] }[];
  assert.deepEqual(inspect[0].Config.Cmd, ['cat', 'one']);
  assert.equal(inspect[0].Config.WorkingDir, '/w');
  assert.ok(inspect[0].Config.Env.includes('K=v'));
  assert.deepEqual(Object.keys(inspect[0].Config.ExposedPorts), ['80/tcp']);
  assert.equal(inspect[0].RootFS.Layers.length, 3);
  assert.equal(inspect[0].History.length, 7);
  // podman's own view of the files: the RUN layer's whiteout and the COPY layer.
  const ls = podman.run(['run', '--rm', '--network', 'none', r.id.slice(7), 'sh', '-c', 'cat /w/one /w/z.txt /w/a.txt; ls /etc/group 2>&1']);
  assert.equal(ls.stdout, 'one\nz\na\nls: /etc/group: No such file or directory\n');
});
