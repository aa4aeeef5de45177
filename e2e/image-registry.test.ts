// Images in and out of tskube, on one `hyperkube up` cluster and real tools: an image tskube
// saves is loaded and run by podman; an image podman imports and saves is loaded by
// `hyperkube image load` and runs in a pod; `hyperkube image push` to Debian's docker-registry
// (htpasswd Basic auth on a loopback port) is read by skopeo, and a pod pulls it with an
// imagePullSecret made by `kubectl create secret docker-registry`, while a pod without it gets
// ErrImagePull naming the registry and the 401. podman uses private --root/--runroot storage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { UpCluster } from '../testing/up.js';
import { hyperkubeCommand, startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { startRegistry, type TestRegistry } from '../testing/registry.js';
import { eventually } from '../testing/wait.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'tkt-image-registry-'));
const podman = ['--root', join(work, 'podman-root'), '--runroot', join(work, 'podman-run'), '--storage-driver', 'vfs', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];
let cl: IsolatedCluster;
let c: UpCluster;
let registry: TestRegistry;

before(async () => {
  // bcrypt for the registry's htpasswd, through libcrypt (python3's crypt module); cost 4 is enough here.
  const line = execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt; print("tkt:" + crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))'], { encoding: 'utf8' });
  writeFileSync(join(work, 'htpasswd'), line);
  [registry, cl] = await Promise.all([
    startRegistry(join(work, 'registry'), { authYaml: `auth: { htpasswd: { realm: tkt, path: ${join(work, 'htpasswd')} } }` }),
    startIsolated('imgreg'),
  ]);
  c = cl.up;
});

after(async () => {
  await registry?.stop();
  await cl?.teardown();
  await run('podman', [...podman, 'system', 'reset', '--force']).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

const kubectl = async (args: string[], input?: string) => {
  const r = await c.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

const image = async (args: string[]) => {
  const r = await run(process.execPath, [...hyperkubeCommand(), 'image', `--images-root=${join(c.dataDir, 'images')}`, ...args], { timeout: 60_000 });
  return r;
};

const pod = (name: string, img: string, cmd: string, extra = '') => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  ${extra}
  containers:
  - {name: c, image: "${img}", imagePullPolicy: IfNotPresent, command: [sh, -c, ${JSON.stringify(cmd)}]}
`;

const phase = async (name: string) => (await kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])).trim();

async function succeeded(name: string): Promise<string> {
  await eventually(`pod ${name} Succeeded`, async () => ((await phase(name)) === 'Succeeded' ? true : undefined), 40_000);
  return kubectl(['logs', name]);
}

test('an image tskube saves runs in podman (docker-archive and oci-archive)', async () => {
  // A pod on busybox makes the kubelet build it in the cluster's store.
  await kubectl(['apply', '-f', '-'], pod('bb', 'busybox', 'echo ok'));
  assert.equal((await succeeded('bb')).trim(), 'ok');
  await image(['tag', 'busybox', 'localhost/tkt/bb:v1']);
  for (const format of ['docker-archive', 'oci-archive']) {
    const file = join(work, `bb-${format}.tar`);
    await image(['save', '-o', file, '--format', format, 'localhost/tkt/bb:v1']);
    const loaded = await run('podman', [...podman, 'load', '-q', '-i', file]);
    assert.match(loaded.stdout, /localhost\/tkt\/bb:v1/);
    const out = await run('podman', [...podman, 'run', '--rm', '--network', 'none', '--ulimit', 'nproc=4096:4096', '--ulimit', 'nofile=1024:1024',
      'localhost/tkt/bb:v1', 'sh', '-c', 'echo from podman $(busybox | head -1 | cut -d" " -f1)'], { timeout: 30_000 });
    assert.equal(out.stdout.trim(), 'from podman BusyBox');
    await run('podman', [...podman, 'rmi', '-f', 'localhost/tkt/bb:v1']);
  }
});

test('an image podman imports and saves loads into tskube and runs in a pod', async () => {
  const rootfs = join(work, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of ['sh', 'cat', 'echo']) symlinkSync('busybox', join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'marker'), 'made by podman\n');
  const tar = join(work, 'rootfs.tar');
  await run('tar', ['-C', rootfs, '-cf', tar, '.']);
  await run('podman', [...podman, 'import', '--change', 'ENV PATH=/bin', tar, 'localhost/frompodman:v1']);
  const saved = join(work, 'frompodman.tar');
  await run('podman', [...podman, 'save', '--format', 'docker-archive', '-o', saved, 'localhost/frompodman:v1']);
  const r = await image(['load', '-i', saved]);
  assert.match(r.stdout, /Loaded image: localhost\/frompodman:v1/);
  await kubectl(['apply', '-f', '-'], pod('fp', 'localhost/frompodman:v1', 'cat /marker'));
  assert.equal(await succeeded('fp'), 'made by podman\n');
});

test('push to a registry with Basic auth: skopeo reads it; a pod pulls it with its imagePullSecret, one without gets ErrImagePull 401', async () => {
  const ref = `${registry.host}/tkt/bb:v1`;
  const denied = await image(['push', '-q', 'localhost/tkt/bb:v1', ref]).then(() => 'pushed', (e: { stderr: string }) => e.stderr);
  assert.match(denied, new RegExp(`registry ${registry.host}: unauthorized: 401`));
  const pushed = await image(['push', '--creds', 'tkt:s3cret', '--chunk-size', '262144', 'localhost/tkt/bb:v1', ref]);
  const digest = /@(sha256:[a-f0-9]{64})/.exec(pushed.stdout)?.[1];
  assert.ok(digest, pushed.stdout);
  assert.match(pushed.stderr, /Pushed/);
  const again = await image(['push', '--creds', 'tkt:s3cret', 'localhost/tkt/bb:v1', ref]);
  assert.match(again.stderr, /Layer already exists/, 'HEAD finds the blobs the second time');
  const inspected = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', '--creds', 'tkt:s3cret', `docker://${ref}`])).stdout) as { Digest: string; Layers: string[]; Os: string };
  assert.equal(inspected.Digest, digest);
  assert.equal(inspected.Layers.length, 1);
  assert.equal(inspected.Os, 'linux');

  await kubectl(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${registry.host}`, '--docker-username=tkt', '--docker-password=s3cret']);
  await kubectl(['apply', '-f', '-'], pod('nosecret', ref, 'echo never'));
  await kubectl(['apply', '-f', '-'], pod('withsecret', ref, 'echo pulled with secret', 'imagePullSecrets: [{name: regcred}]'));
  assert.equal((await succeeded('withsecret')).trim(), 'pulled with secret');
  const msg = await eventually('ErrImagePull event', async () => {
    const ev = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=nosecret,reason=Failed', '-o', 'jsonpath={.items[*].message}']);
    return ev.includes('Failed to pull image') ? ev : undefined;
  }, 30_000);
  assert.match(msg, new RegExp(`Failed to pull image "${ref.replace(/\./g, '\\.')}": registry ${registry.host.replace(/\./g, '\\.')}: unauthorized: 401`));
  const waiting = await kubectl(['get', 'pod', 'nosecret', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}']);
  assert.match(waiting, /ErrImagePull|ImagePullBackOff/);
});
