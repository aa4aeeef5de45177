// `hyperkube image build` into a whole cluster's image store: a Dockerfile with every
// instruction builds through the CLI, a pod runs the image at once (imagePullPolicy Never and
// IfNotPresent) as configured (user, workdir, env, entrypoint + cmd), the config carries the
// exposed ports, and a rebuild of unchanged input is all cache hits with no new layer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hyperkubeCommand, startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { everyInstruction, ONBUILD_BASE, writeContext } from '../testing/runtime-image-build.js';
import { eventually } from '../testing/wait.js';

const run = promisify(execFile);
let cl: IsolatedCluster;
let imagesRoot: string;
let ctx: string;

before(async () => {
  cl = await startIsolated('imgbuild');
  imagesRoot = join(cl.up.dataDir, 'images');
  ctx = join(cl.flags.root, 'ctx');
  mkdirSync(ctx, { recursive: true });
  writeContext(ctx, everyInstruction('test/onbase'));
  writeFileSync(join(cl.flags.root, 'Dockerfile.base'), ONBUILD_BASE);
});

after(async () => {
  await cl?.teardown();
});

const build = async (args: string[]) => {
  const r = await run(process.execPath, [...hyperkubeCommand(), 'image', 'build', `--images-root=${imagesRoot}`, '--network', 'none', ...args], { maxBuffer: 1 << 24 });
  return r.stdout;
};

const kubectl = async (args: string[], input?: string) => {
  const r = await cl.up.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

let imageId = '';

test('hyperkube image build puts the image in the kubelet store and a pod runs it as configured', async () => {
  await build(['-q', '-f', join(cl.flags.root, 'Dockerfile.base'), '-t', 'test/onbase', ctx]);
  const out = await build(['-t', 'test/app:1', '--build-arg', 'GREETING=hey', ctx]);
  imageId = out.trim().split('\n').at(-1)!;
  assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
  assert.match(out, /Successfully tagged docker\.io\/test\/app:1/);
  const cfg = JSON.parse(readFileSync(join(imagesRoot, 'blobs/sha256', imageId.slice(7)), 'utf8')) as { config: { ExposedPorts: object } };
  assert.deepEqual(cfg.config.ExposedPorts, { '8080/tcp': {}, '53/udp': {} });

  await kubectl(['apply', '-f', '-'], `
apiVersion: v1
kind: Pod
metadata: {name: built}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: never, image: test/app:1, imagePullPolicy: Never}
  - {name: ifnotpresent, image: docker.io/test/app:1, imagePullPolicy: IfNotPresent}
`);
  await eventually('pod Succeeded', async () => ((await kubectl(['get', 'pod', 'built', '-o', 'jsonpath={.status.phase}'])).trim() === 'Succeeded' ? true : undefined), 40_000);
  // ENTRYPOINT ["/bin/sh","-c"] + CMD: greet.txt written by RUN with the build arg, uid of USER nobody, WORKDIR, ENV.
  for (const c of ['never', 'ifnotpresent']) {
    assert.equal(await kubectl(['logs', 'built', '-c', c]), 'hey hello world amd64\n65534\n/app\nhello world\n', c);
  }
  const status = await kubectl(['get', 'pod', 'built', '-o', 'jsonpath={.status.containerStatuses[0].imageID}']);
  assert.ok(status.includes(imageId.slice(7)), `pod runs the built image: ${status}`);
});

test('a rebuild with nothing changed is all cache hits and creates no layer', async () => {
  const layers = readdirSync(join(imagesRoot, 'layers/sha256')).length;
  const out = await build(['-t', 'test/app:1', '--build-arg', 'GREETING=hey', ctx]);
  assert.equal(out.trim().split('\n').at(-1), imageId);
  const steps = out.split('\n').filter((l) => /^STEP \d+\/\d+: (?!FROM)/.test(l)).length;
  assert.equal(out.split('\n').filter((l) => l === ' --> Using cache').length, steps + 1, 'every step (and the ONBUILD trigger) from cache');
  assert.equal(readdirSync(join(imagesRoot, 'layers/sha256')).length, layers);
});
