// The image service end to end on disk: OCI layouts (dir, tar, tar.gz), docker archives, shared
// layers, removal rules and the offline busybox image.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TarWriter } from './tar-writer.js';
import { createImageService } from './service.js';
import { writeOCILayout, dockerArchive } from '../../testing/runtime-images.js';
import { ImageInUseError, ImageNotFoundError } from './types.js';

const work = mkdtempSync(join(tmpdir(), 'tkt-images-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Every instance's scratch dir under <root>/tmp is empty. */
function scratchEmpty(root: string): void {
  for (const d of readdirSync(join(root, 'tmp'))) assert.deepEqual(readdirSync(join(root, 'tmp', d)), [], `scratch ${d}`);
}

const base = new TarWriter().dir('etc').file('etc/os-release', 'ID=tkt\n').dir('bin').file('bin/app', 'v1', { mode: 0o755 }).finish();
const top1 = new TarWriter().dir('bin').file('bin/app', 'v2', { mode: 0o755 }).finish();
const top2 = new TarWriter().dir('etc').file('etc/.wh.os-release', '').finish();

test('OCI layout directory: tags, config, layer order, shared layers, removal', async () => {
  const svc = await createImageService({ root: join(work, 'store1') });
  const layout = join(work, 'layout1');
  const built = await writeOCILayout(layout, [
    { refName: 'example.com/app:v1', layers: [base, top1], gzip: true, config: { Entrypoint: ['/bin/app'], Cmd: ['--x'], WorkingDir: '/w', User: '10:20' } },
    { refName: 'v2', layers: [base, top2] },
  ]);
  const recs = await svc.loadArchive(layout);
  assert.equal(recs.length, 2);
  assert.equal(recs[0].id, built[0].configDigest);
  assert.deepEqual(recs[0].repoTags, ['example.com/app:v1']);
  assert.deepEqual(recs[1].repoTags, ['localhost/layout1:v2'], 'a bare ref.name is tagged under the layout name');

  const r = await svc.resolve('example.com/app:v1');
  assert.deepEqual(r.config, { Entrypoint: ['/bin/app'], Cmd: ['--x'], Env: ['PATH=/bin'], WorkingDir: '/w', User: '10:20' });
  assert.equal(r.layers.length, 2);
  assert.equal(readFileSync(join(r.layers[0], 'bin/app'), 'utf8'), 'v1', 'lowest layer first');
  assert.equal(readFileSync(join(r.layers[1], 'bin/app'), 'utf8'), 'v2');
  const r2 = await svc.resolve('localhost/layout1:v2');
  assert.equal(r2.layers[0], r.layers[0], 'the base layer is stored once and shared');
  assert.equal(readdirSync(join(work, 'store1', 'layers', 'sha256')).length, 3);

  assert.equal((await svc.imageStatus(recs[0].id.slice(7, 19)))?.id, recs[0].id, 'found by id prefix');
  assert.equal(await svc.imageStatus('example.com/app:nope'), null);
  assert.equal((await svc.listImages()).length, 2);

  await assert.rejects(svc.removeImage('example.com/app:v1', { inUse: (id) => id === recs[0].id }), ImageInUseError);
  await svc.removeImage('example.com/app:v1', { inUse: () => false });
  assert.equal(await svc.imageStatus('example.com/app:v1'), null);
  assert.ok(existsSync(r.layers[0]), 'shared layer kept for the other image');
  assert.ok(!existsSync(r.layers[1]), 'unshared layer removed');
  await svc.removeImage(recs[1].id);
  assert.deepEqual(readdirSync(join(work, 'store1', 'layers', 'sha256')), []);
  assert.deepEqual(readdirSync(join(work, 'store1', 'blobs', 'sha256')), []);
  await assert.rejects(svc.removeImage('nothing'), ImageNotFoundError);
  await assert.rejects(svc.resolve('nothing'), ImageNotFoundError);
});

test('OCI layout as tar and tar.gz; the index survives a new service instance', async () => {
  const root = join(work, 'store2');
  const svc = await createImageService({ root });
  const layout = join(work, 'layout2');
  await writeOCILayout(layout, [{ refName: 'example.com/tarred:1', layers: [base] }]);
  execFileSync('tar', ['-C', layout, '-cf', join(work, 'img.tar'), '.']);
  execFileSync('tar', ['-C', layout, '-czf', join(work, 'img.tar.gz'), '.']);
  const [a] = await svc.loadArchive(join(work, 'img.tar'));
  const [b] = await svc.loadArchive(join(work, 'img.tar.gz'));
  assert.equal(a.id, b.id);
  scratchEmpty(root);
  const again = await createImageService({ root });
  assert.deepEqual((await again.listImages()).map((i) => i.repoTags), [['example.com/tarred:1']]);
});

test('lookups follow index changes made by another instance on the same store (kubelet and image CLI)', async () => {
  const root = join(work, 'store-shared');
  const kubelet = await createImageService({ root });
  const cli = await createImageService({ root });
  const layout = join(work, 'layout-shared');
  await writeOCILayout(layout, [{ refName: 'example.com/shared:1', layers: [base], config: { Cmd: ['/bin/app'] } }]);
  assert.equal(await kubelet.imageStatus('example.com/shared:1'), null);
  const [rec] = await cli.loadArchive(layout);
  assert.equal((await kubelet.imageStatus('example.com/shared:1'))?.id, rec.id, 'a load by the other instance is seen');
  const r = await kubelet.resolve('example.com/shared:1');
  r.config.Cmd!.push('changed by a caller');
  assert.deepEqual((await kubelet.resolve('example.com/shared:1')).config.Cmd, ['/bin/app'], 'callers get their own copy');
  await cli.removeImage('example.com/shared:1');
  assert.equal(await kubelet.imageStatus('example.com/shared:1'), null, 'a removal by the other instance is seen');
  await assert.rejects(kubelet.resolve('example.com/shared:1'), ImageNotFoundError);
});

test('docker-archive tarball (docker save format)', async () => {
  const svc = await createImageService({ root: join(work, 'store3') });
  const path = join(work, 'docker.tar');
  writeFileSync(path, dockerArchive([
    { repoTags: ['myapp:1.0', 'registry.local:5000/team/myapp:1.0'], layers: [base, top1], config: { Cmd: ['/bin/app'] } },
  ]));
  const [rec] = await svc.loadArchive(path);
  assert.deepEqual(rec.repoTags, ['docker.io/library/myapp:1.0', 'registry.local:5000/team/myapp:1.0']);
  const r = await svc.resolve('myapp:1.0');
  assert.deepEqual(r.config.Cmd, ['/bin/app']);
  assert.equal(readFileSync(join(r.layers[1], 'bin/app'), 'utf8'), 'v2');
  // Removing one of two tags only untags.
  await svc.removeImage('myapp:1.0');
  assert.deepEqual((await svc.imageStatus(rec.id))?.repoTags, ['registry.local:5000/team/myapp:1.0']);
});

test('an archive with a bad layer leaves nothing behind', async () => {
  const root = join(work, 'store4');
  const svc = await createImageService({ root });
  const layout = join(work, 'layout4');
  await writeOCILayout(layout, [{ refName: 'x.io/bad:1', layers: [base, new TarWriter().file('../../escape', 'x').finish()] }]);
  await assert.rejects(svc.loadArchive(layout), /'\.\.' component/);
  assert.deepEqual(await svc.listImages(), []);
  // The good base layer may stay (it is content-addressed and verified), but no partial layer does.
  assert.ok(readdirSync(join(root, 'layers', 'sha256')).length <= 1);
  scratchEmpty(root);
  assert.ok(!existsSync(join(work, 'escape')));
});

test('busybox: built offline, idempotent, resolvable by short and full name, runnable', async () => {
  const root = join(work, 'store5');
  const svc = await createImageService({ root });
  const [a, a2] = await Promise.all([svc.ensureBusybox(), (await createImageService({ root })).ensureBusybox()]);
  assert.equal(a.id, a2.id, 'two instances building at once agree');
  const [b, c] = await Promise.all([svc.ensureBusybox(), (await createImageService({ root })).ensureBusybox()]);
  assert.equal(a.id, b.id);
  assert.equal(a.id, c.id);
  assert.deepEqual(a.repoTags, ['docker.io/library/busybox:latest']);
  assert.equal((await svc.imageStatus('busybox'))?.id, a.id);
  assert.equal((await svc.imageStatus('busybox:latest'))?.id, a.id);
  assert.equal((await svc.imageStatus('docker.io/library/busybox:latest'))?.id, a.id);
  assert.equal((await svc.listImages()).length, 1);
  const r = await svc.resolve('busybox');
  assert.equal(r.layers.length, 1);
  const rootfs = r.layers[0];
  assert.match(readFileSync(join(rootfs, 'etc/passwd'), 'utf8'), /^root:x:0:0:/m);
  assert.match(readFileSync(join(rootfs, 'etc/passwd'), 'utf8'), /^nobody:x:65534:/m);
  for (const d of ['tmp', 'root', 'var', 'home']) assert.ok(existsSync(join(rootfs, d)), d);
  const applets = execFileSync('/bin/busybox', ['--list-full'], { encoding: 'utf8' }).trim().split('\n');
  for (const a of applets) assert.ok(existsSync(join(rootfs, a)), `applet ${a}`);
  // The layer is a working root filesystem.
  const out = execFileSync('chroot', [rootfs, '/bin/sh', '-c', 'echo hello from $(whoami)'], { encoding: 'utf8' });
  assert.equal(out.trim(), 'hello from root');
});

test('archives written by skopeo (docker-archive and oci-archive) load', async () => {
  const svc = await createImageService({ root: join(work, 'store6') });
  const layout = join(work, 'layout6');
  const [built] = await writeOCILayout(layout, [{ refName: 'v1', layers: [base, top1], gzip: true, config: { Cmd: ['/bin/app'] } }]);
  const docker = join(work, 'skopeo-docker.tar');
  const oci = join(work, 'skopeo-oci.tar');
  execFileSync('skopeo', ['copy', '--quiet', `oci:${layout}:v1`, `docker-archive:${docker}:example.org/skopeo/app:d1`]);
  execFileSync('skopeo', ['copy', '--quiet', `oci:${layout}:v1`, `oci-archive:${oci}:example.org/skopeo/app:o1`]);
  const [d] = await svc.loadArchive(docker);
  const [o] = await svc.loadArchive(oci);
  assert.deepEqual(d.repoTags, ['example.org/skopeo/app:d1']);
  // Same config, so the same image: the second load adds its tag to it.
  assert.equal(d.id, built.configDigest);
  assert.equal(o.id, built.configDigest);
  assert.deepEqual(o.repoTags, ['example.org/skopeo/app:d1', 'example.org/skopeo/app:o1']);
  assert.deepEqual(d.layers, o.layers, 'same diffIDs whichever way the image came');
  const r = await svc.resolve('example.org/skopeo/app:d1');
  assert.equal(readFileSync(join(r.layers[1], 'bin/app'), 'utf8'), 'v2');
});
