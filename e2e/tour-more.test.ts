// The rest of the README tour, command by command, on one isolated `hyperkube up`: watching pods
// come up, an image from a `docker save` tarball (hack/demo-image.sh, `hyperkube runtime load`),
// one pushed with skopeo to Debian's docker-registry and pulled by the kubelet, the classic kubecfg
// verbs (run, list, resize, rollingupdate, stop, rm), and a two-tier app wired by the Service
// variables the kubelet injects. Every binary runs as a child, as a user would run it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pod, PodList, ReplicationControllerList, Service } from '../api/core.js';
import { hyperkubeCommand, startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { startRegistry, type TestRegistry } from '../testing/registry.js';
import { eventually } from '../testing/wait.js';

// This file runs from e2e/ under tsx or from dist-test/e2e/; the scripts and manifests are in the repo.
const fromTs = fileURLToPath(import.meta.url).endsWith('.ts');
const repoRoot = fileURLToPath(new URL(fromTs ? '../' : '../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tkt-tourmore-'));
let cl: IsolatedCluster;
let registry: TestRegistry | undefined;
/** The environment of the README: KUBECONFIG exported. */
let env: NodeJS.ProcessEnv;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeout = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout, cwd: repoRoot }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function ok(cmd: string, args: string[], timeout?: number): Promise<string> {
  const r = await run(cmd, args, timeout);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const kubectl = (...args: string[]) => ok('/usr/bin/kubectl', args);
const kubecfg = (...args: string[]) => ok(process.execPath, [...(fromTs ? ['--import', 'tsx'] : []), fileURLToPath(new URL(`../cmd/kubecfg.${fromTs ? 'ts' : 'js'}`, import.meta.url)), ...args]);
/** `hyperkube runtime` on this cluster's image store (the README's default store is the kubelet's). */
const runtimeCli = (...args: string[]) => ok(process.execPath, [...hyperkubeCommand(), 'runtime', `--images-root=${join(cl.up.dataDir, 'images')}`, ...args]);

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function pods(selector: string): Promise<Pod[]> {
  return (JSON.parse(await kubectl('get', 'pods', '-l', selector, '-o', 'json')) as PodList).items;
}

const live = (ps: Pod[]) => ps.filter((p) => !p.metadata.deletionTimestamp);

/** The pod once Running with an IP (returned as podIP for the callers). */
async function running(name: string, timeoutMs = 60_000): Promise<{ podIP: string }> {
  return eventually(`pod ${name} Running`, async () => {
    const p = JSON.parse(await kubectl('get', 'pod', name, '-o', 'json')) as Pod;
    return p.status?.phase === 'Running' && p.status.podIP ? { podIP: p.status.podIP } : undefined;
  }, timeoutMs);
}

before(async () => {
  cl = await startIsolated('tourmore');
  env = { ...process.env, KUBECONFIG: cl.up.kubeconfig };
  await eventually('node Ready', async () => (/\sReady\s/.test(await kubectl('get', 'nodes')) ? true : undefined));
});

after(async () => {
  await registry?.stop();
  await cl?.teardown();
  rmSync(work, { recursive: true, force: true });
});

test('kubectl get pods -o wide -w shows a new pod Pending, then Running', async () => {
  // -v=6 only adds request lines on stderr: with no pods yet, stdout stays empty until the first
  // event, and the logged watch request says when the pod may be created without being missed.
  const watch = spawn('/usr/bin/kubectl', ['get', 'pods', '-o', 'wide', '-w', '-v=6'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let log = '';
  watch.stdout.on('data', (d) => (out += d));
  watch.stderr.on('data', (d) => (log += d));
  try {
    await eventually('the watch to start', () => (/GET \S+watch=true\S* 200 OK/.test(log) ? true : undefined), 15_000, 50);
    await kubectl('run', 'watched', '--image=busybox', '--restart=Never', '--', 'sleep', '3600');
    await eventually('the watch to show watched Running', () => (/^watched\s+1\/1\s+Running\s/m.test(out) ? true : undefined), 60_000);
  } finally {
    watch.kill('SIGTERM');
  }
  const lines = out.split('\n').filter((l) => l.startsWith('watched '));
  const pending = lines.findIndex((l) => /\sPending\s/.test(l));
  const runningAt = lines.findIndex((l) => /\sRunning\s/.test(l));
  assert.ok(pending >= 0 && pending < runningAt, `Pending before Running:\n${out}`);
  // -o wide: the Running line carries the pod IP (from this cluster's pod CIDR) and the node.
  assert.match(lines[runningAt], new RegExp(`\\s10\\.244\\.${cl.flags.net}\\.\\d+\\s+${cl.flags.node}\\s`));
  await kubectl('delete', 'pod', 'watched', '--grace-period=1');
});

test('an image from a docker save tarball: hack/demo-image.sh, hyperkube runtime load, imagePullPolicy Never', async () => {
  const tar1 = join(work, 'demo1.tar');
  const tar2 = join(work, 'demo2.tar');
  assert.match(await ok('bash', ['hack/demo-image.sh', '1', tar1]), /demo:1 -> /);
  await ok('bash', ['hack/demo-image.sh', '2', tar2]);

  // Not loaded yet: with pull policy Never the kubelet must refuse, not fetch it.
  await kubectl('run', 'early', '--image=demo:1', '--image-pull-policy=Never');
  await eventually('ErrImageNeverPull', async () => {
    const p = JSON.parse(await kubectl('get', 'pod', 'early', '-o', 'json')) as Pod;
    return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull' ? true : undefined;
  });
  await kubectl('delete', 'pod', 'early', '--grace-period=0', '--force');

  assert.equal(await runtimeCli('load', tar1), 'Loaded docker.io/library/demo:1\n');
  assert.match(await runtimeCli('images'), /\sdocker\.io\/library\/demo:1\n/);
  await kubectl('run', 'demo', '--image=demo:1', '--image-pull-policy=Never');
  const pod = await running('demo');
  assert.equal(await get(`http://${pod.podIP}/`), 'demo 1\n');
  assert.equal(await kubectl('logs', 'demo'), 'demo 1 serving on :80\n');
});

test('an image pushed to docker-registry with skopeo is pulled by the kubelet over http', async () => {
  registry = await startRegistry(join(work, 'registry'), { configFile: join(repoRoot, 'manifests', 'registry.yml') });
  const ref = `${registry.host}/demo:2`;
  await ok('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${join(work, 'demo2.tar')}`, `docker://${ref}`], 120_000);
  await kubectl('run', 'pulled', `--image=${ref}`);
  const pod = await running('pulled');
  assert.equal(await get(`http://${pod.podIP}/`), 'demo 2\n');
  // Fetched now (a "Successfully pulled" event), and kept in the store under the registry's name.
  const events = await kubectl('get', 'events', '--field-selector', 'involvedObject.name=pulled', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}');
  assert.match(events, new RegExp(`Pulled: Successfully pulled image "${ref.replace(/\./g, '\\.')}"`));
  assert.match(await runtimeCli('images'), new RegExp(`\\s${ref.replace(/\./g, '\\.')}\\n`));
  await kubectl('delete', 'pod', 'demo', 'pulled', '--grace-period=1');
});

test('the classic kubecfg: run, list pods, list minions, resize, rollingupdate, stop, rm', async () => {
  assert.ok(registry, 'the registry test ran');
  const image2 = `${registry.host}/demo:2`;
  const runOut = await kubecfg('run', 'demo:1', '2', 'web2', '-p', '80', '-s');
  assert.match(runOut, /^NAME\s.*\nweb2\s/m, runOut); // the controller
  const svc = JSON.parse(await kubectl('get', 'svc', 'web2', '-o', 'json')) as Service;
  const clusterIP = svc.spec?.clusterIP ?? '';
  assert.deepEqual(svc.spec?.selector, { name: 'web2' });
  assert.ok(clusterIP && runOut.includes(clusterIP), `the Service's ClusterIP is printed:\n${runOut}`);
  const page = (want: string) =>
    eventually(`"${want}" on the web2 ClusterIP`, async () => ((await get(`http://${clusterIP}/`)) === want ? true : undefined));
  await eventually('2 web2 pods Running', async () => {
    const ps = live(await pods('name=web2'));
    return ps.length === 2 && ps.every((p) => p.status?.phase === 'Running') ? ps : undefined;
  });
  await page('demo 1\n');

  const listed = await kubecfg('list', 'pods');
  for (const p of live(await pods('name=web2'))) assert.match(listed, new RegExp(`^${p.metadata.name ?? ''}\\s.*Running`, 'm'), listed);
  assert.match(await kubecfg('list', 'minions'), new RegExp(`^${cl.flags.node}\\s+Ready\\s`, 'm'));

  assert.match(await kubecfg('resize', 'web2', '3'), /^web2\s+3\s/m);
  await eventually('3 web2 pods Running', async () => {
    const ps = live(await pods('name=web2'));
    return ps.length === 3 && ps.every((p) => p.status?.phase === 'Running') ? true : undefined;
  });

  // While the update runs, sample the pods: never more than 3 + 1 live, and old and new side by side.
  let sampling = true;
  let maxLive = 0;
  let mixed = false;
  const sampler = (async () => {
    while (sampling) {
      const ps = live(await pods('name=web2').catch(() => []));
      maxLive = Math.max(maxLive, ps.length);
      const images = new Set(ps.map((p) => p.spec?.containers[0].image));
      if (images.has('demo:1') && images.has(image2)) mixed = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  let upd: string;
  try {
    upd = await kubecfg('rollingupdate', 'web2', '--image', image2, '-u', '1s');
  } finally {
    sampling = false;
    await sampler;
  }
  const next = /^Created (web2-[0-9a-f]{10})$/m.exec(upd)?.[1];
  assert.ok(next, upd);
  const steps = upd.split('\n').filter((l) => l.startsWith('Scaling ') && !l.includes(' from '));
  assert.deepEqual(steps, [
    `Scaling ${next} up to 1`, 'Scaling web2 down to 2',
    `Scaling ${next} up to 2`, 'Scaling web2 down to 1',
    `Scaling ${next} up to 3`, 'Scaling web2 down to 0',
  ], upd);
  assert.match(upd, new RegExp(`rolling updated to "${next}"`));
  assert.ok(maxLive <= 4, `at most one pod over the 3 wanted, saw ${maxLive}`);
  assert.ok(mixed, 'old and new pods ran side by side');
  await eventually('3 new pods, no old one', async () => {
    const ps = live(await pods('name=web2'));
    return ps.length === 3 && ps.every((p) => p.spec?.containers[0].image === image2 && p.status?.phase === 'Running') ? true : undefined;
  });
  const rcs = (JSON.parse(await kubectl('get', 'rc', '-o', 'json')) as ReplicationControllerList).items.map((r) => r.metadata.name);
  assert.ok(rcs.includes(next) && !rcs.includes('web2'), rcs.join(' '));
  await page('demo 2\n');

  // stop and rm find the controller by the name the user knows.
  assert.match(await kubecfg('stop', 'web2'), new RegExp(`^${next}\\s+0\\s`, 'm'));
  assert.equal(live(await pods('name=web2')).length, 0);
  assert.equal(await kubecfg('rm', 'web2'), `replicationcontroller "${next}" deleted\n`);
  assert.equal((await run('/usr/bin/kubectl', ['get', 'rc', next])).code, 1);
  await kubectl('delete', 'svc', 'web2');
});

test('a two-tier app: the frontend reaches the backend through $BACKEND_SERVICE_HOST:$BACKEND_SERVICE_PORT', async () => {
  await kubectl('apply', '-f', 'manifests/two-tier.yaml');
  const svc = JSON.parse(await kubectl('get', 'svc', 'backend', '-o', 'json')) as Service;
  const frontend = await running('frontend');
  const line = await eventually('the frontend to print the answer', async () => {
    const m = /^from (\S+):(\d+): backend (\S+)$/m.exec(await kubectl('logs', 'frontend'));
    return m ?? undefined;
  });
  // The address came from the injected variables: the Service's ClusterIP and port, not a pod IP.
  assert.equal(line[1], svc.spec?.clusterIP);
  assert.equal(line[2], '80');
  const backends = (await pods('app=backend')).map((p) => p.metadata.name);
  assert.ok(backends.includes(line[3]), `${line[3]} is one of ${backends.join(', ')}`);
  // And it serves what it got.
  assert.equal(await get(`http://${frontend.podIP}/`), `backend ${line[3]}\n`);
  await kubectl('delete', '-f', 'manifests/two-tier.yaml', '--grace-period=1');
});

// The README's tour must not drift from what this file runs.
test('the README tour names these commands', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  for (const s of [
    'kubectl get pods -o wide -w',
    'bash hack/demo-image.sh 1 /tmp/demo1.tar',
    'hyperkube runtime load /tmp/demo1.tar',
    'kubectl run demo --image=demo:1 --image-pull-policy=Never',
    'docker-registry serve manifests/registry.yml',
    'skopeo copy --dest-tls-verify=false docker-archive:/tmp/demo2.tar docker://127.0.0.1:5000/demo:2',
    'kubectl run pulled --image=127.0.0.1:5000/demo:2',
    'kubecfg run demo:1 2 web2 -p 80 -s',
    'kubecfg list pods',
    'kubecfg list minions',
    'kubecfg resize web2 3',
    'kubecfg rollingupdate web2 --image 127.0.0.1:5000/demo:2 -u 1s',
    'kubecfg stop web2',
    'kubecfg rm web2',
    'kubectl apply -f manifests/two-tier.yaml',
    'kubectl logs frontend',
  ]) assert.ok(readme.includes(s), `README.md has "${s}"`);
});
