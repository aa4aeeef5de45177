// kubecfg's waiting verbs against a real cluster (isolated `hyperkube up`, real kubelet and
// containers): a rolling update to an image that can never be pulled makes no progress, so after
// --timeout it rolls back and exits 1 saying why, while the old pods keep answering HTTP the whole
// time; the same update to a good image succeeds with every pod Ready all along; `kubecfg stop`
// returns only once no pod of the controller is left. kubecfg runs as a child
// process, as a user runs it. The bad image points at 127.0.0.1:1 (loopback, refused at once).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Pod, PodList } from '../api/core.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

const fromTs = fileURLToPath(import.meta.url).endsWith('.ts');
const repoRoot = fileURLToPath(new URL(fromTs ? '../' : '../../', import.meta.url));
let cl: IsolatedCluster;
let env: NodeJS.ProcessEnv;

function run(cmd: string, args: string[], input?: string, timeout = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, timeout, cwd: repoRoot }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
const kubecfg = (...args: string[]) => run(process.execPath, [...(fromTs ? ['--import', 'tsx'] : []), fileURLToPath(new URL(`../cmd/kubecfg.${fromTs ? 'ts' : 'js'}`, import.meta.url)), ...args]);
async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await run('/usr/bin/kubectl', args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
async function pods(selector: string): Promise<Pod[]> {
  return (JSON.parse(await kubectl(['get', 'pods', '-l', selector, '-o', 'json'])) as PodList).items;
}
const isReady = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

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

const RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: web
spec:
  replicas: 2
  selector: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: web
        image: busybox
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www"]
        readinessProbe:
          httpGet: {path: /, port: 80}
          periodSeconds: 1
`;

before(async () => {
  cl = await startIsolated('kcroll');
  env = { ...process.env, KUBECONFIG: cl.up.kubeconfig };
});
after(async () => {
  await cl?.teardown();
});

test('a rolling update whose new pods never become Ready rolls back and fails; the old pods serve throughout; stop waits for the pods to go', { timeout: 300_000 }, async () => {
  await kubectl(['create', '-f', '-'], RC);
  const old = await eventually('2 Ready web pods', async () => {
    const ps = (await pods('app=web')).filter(isReady);
    return ps.length === 2 ? ps : undefined;
  }, 120_000, 500);
  const oldNames = old.map((p) => p.metadata.name).sort();
  const urls = old.map((p) => `http://${p.status?.podIP}/`);
  for (const [i, u] of urls.entries()) assert.equal((await get(u)).trim(), old[i].metadata.name);

  // Both old pods answer every 200 ms while the update runs and after it.
  let probing = true;
  let answered = 0;
  const failures: string[] = [];
  const prober = (async () => {
    while (probing) {
      for (const u of urls) await get(u).then(() => answered++, (e: Error) => failures.push(`${u}: ${e.message}`));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const t0 = Date.now();
  let r;
  try {
    r = await kubecfg('rollingupdate', 'web', '--image', '127.0.0.1:1/never/there:1', '-u', '1s', '--timeout', '20s');
  } finally {
    probing = false;
    await prober;
  }
  const took = Date.now() - t0;
  console.log(`# failed rolling update: exit ${r.code} after ${took} ms\n# ${r.stderr.trim()}`);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /Update succeeded/);
  assert.doesNotMatch(r.stdout, /Scaling web down/, 'no old pod was given up');
  assert.match(r.stdout, /Rolling back: scaling web up to 2, web-[0-9a-f]{10} down to 0/);
  assert.match(r.stderr, /^error: rolling update of web to 127\.0\.0\.1:1\/never\/there:1 failed: timed out after 20s waiting for 1 Ready pod of web-[0-9a-f]{10} \(0 Ready; not ready: web-[0-9a-f]{10}-\w+: web: (ErrImagePull|ImagePullBackOff)/);
  assert.match(r.stderr, /rolled back: web scaled back to 2, web-[0-9a-f]{10} deleted\n$/);
  assert.deepEqual(failures, [], 'the old pods answered every request');
  assert.ok(answered >= 20, `old pods answered ${answered} requests during the update`);
  const after = (await pods('app=web')).filter(isReady);
  assert.deepEqual(after.map((p) => p.metadata.name).sort(), oldNames, 'the same old pods, still Ready');
  await eventually('the new pod is gone', async () => ((await pods('app=web')).length === 2 ? true : undefined), 60_000, 500);

  // The same update to an image that works: it succeeds, with 2 pods Ready at every sample.
  let sampling = true;
  let minReady = Infinity;
  const sampler = (async () => {
    while (sampling) {
      const ps = await pods('app=web').catch(() => undefined);
      if (ps) minReady = Math.min(minReady, ps.filter(isReady).length);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  let good;
  try {
    good = await kubecfg('rollingupdate', 'web', '--image', 'busybox:latest', '-u', '1s', '--timeout', '60s');
  } finally {
    sampling = false;
    await sampler;
  }
  assert.equal(good.code, 0, good.stdout + good.stderr);
  const next = /^Created (web-[0-9a-f]{10})$/m.exec(good.stdout)?.[1];
  assert.ok(next, good.stdout);
  assert.match(good.stdout, new RegExp(`Update succeeded: 2 of 2 pods of ${next} are Ready`));
  assert.ok(minReady >= 2, `2 pods Ready all along (saw ${minReady})`);
  const now = (await pods('app=web')).filter(isReady);
  assert.deepEqual(now.map((p) => p.spec?.containers[0].image), ['busybox:latest', 'busybox:latest']);

  // stop (by the name the user knows): returns when no pod is left, not when the controller counts 0.
  const s = await kubecfg('stop', 'web', '--timeout', '90s');
  assert.equal(s.code, 0, s.stderr);
  assert.equal((await pods('app=web')).length, 0, 'no pod left, Terminating ones included, when stop returns');
  assert.match(s.stdout, new RegExp(`^${next}\\s+0\\s+0\\s`, 'm'));
  assert.equal((await kubecfg('rm', 'web')).code, 0);
});
