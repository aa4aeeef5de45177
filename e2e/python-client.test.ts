// A real client other than kubectl: Debian's python3-kubernetes (22.x) against a whole
// `hyperkube up` cluster, through e2e/python-client.py — list, create, Watch().stream(),
// a followed log, exec returning its exit code, server-side apply with force, patch,
// foreground deletion — with its own spellings (watch=True, follow=True, stdout=True,
// force=True). Then what kubectl shows of the same wire: a missing container's log
// error, a server dry run of a taken name, a quantity written as a number.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Pod } from '../api/core.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

const PYTHON = '/usr/bin/python3';
// The script is not compiled: it is read from the source tree beside this test.
const SCRIPT = fileURLToPath(new URL('../../e2e/python-client.py', import.meta.url));
const hasClient = existsSync('/usr/lib/python3/dist-packages/kubernetes/__init__.py');

let cl: IsolatedCluster | undefined;

before(async () => {
  if (hasClient) cl = await startIsolated('py');
});
after(async () => {
  await cl?.teardown();
});

/** apiserver_request_total for one verb and resource, summed over codes and subresources. */
async function requests(verb: string, resource: string): Promise<number> {
  const r = await cl!.up.kubectl(['get', '--raw', '/metrics']);
  assert.equal(r.code, 0, r.stderr);
  let n = 0;
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    if (line.includes(`verb="${verb}"`) && line.includes(`resource="${resource}"`)) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}

function runPython(kubeconfig: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, [SCRIPT, kubeconfig, 'default'], { timeout: 240_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface PyResult {
  initial_pods: number;
  created: string;
  watch_events: string[];
  watch_seconds: number;
  log_lines: string[];
  exec_stdout: string;
  exec_returncode: number;
  exec_seconds: number;
  applied_managers: string[];
  patched_data: Record<string, string>;
  foreground_finalizers: string[] | null;
  left_after_delete: string[];
}

test('python3-kubernetes: list, create, watch, follow logs, exec exit code, apply --force, patch, foreground delete', { skip: !hasClient && 'python3-kubernetes is not installed (hack/install.sh installs it)', timeout: 300_000 }, async (t) => {
  const listsBefore = await requests('list', 'pods');
  const r = await runPython(cl!.up.kubeconfig);
  assert.equal(r.code, 0, `python exited ${r.code}: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as PyResult;
  t.diagnostic(r.stdout.trim());
  assert.equal(out.initial_pods, 0);
  assert.equal(out.created, 'py');
  // One stream: the pod's ADDED, then its changes until it runs.
  assert.equal(out.watch_events[0], 'ADDED', JSON.stringify(out.watch_events));
  assert.ok(out.watch_events.length >= 2 && out.watch_events.slice(1).every((e) => e === 'MODIFIED'), JSON.stringify(out.watch_events));
  // The script LISTs pods once itself; a watch read as a LIST would be hundreds a second.
  const lists = (await requests('list', 'pods')) - listsBefore;
  assert.ok(lists <= 3, `LISTs of pods during the run: ${lists}`);
  assert.deepEqual(out.log_lines, ['line-1', 'line-2', 'line-3']);
  assert.equal(out.exec_returncode, 3);
  assert.match(out.exec_stdout, /out/);
  assert.ok(out.exec_seconds < 15, `exec took ${out.exec_seconds}s: the client waited for a close it never saw`);
  assert.ok(out.applied_managers.includes('py:Apply'), JSON.stringify(out.applied_managers));
  assert.deepEqual(out.patched_data, { a: '1', b: '2' });
  assert.deepEqual(out.foreground_finalizers, ['foregroundDeletion']);
  assert.deepEqual(out.left_after_delete, []);
});

test('kubectl: a missing container\'s log error, server dry run of a taken name, cpu: 1 applied', { skip: !hasClient && 'needs the cluster of the python test', timeout: 120_000 }, async () => {
  const up = cl!.up;
  // kubectl checks the container itself first; the server's answer is the same words.
  const missing = await up.kubectl(['logs', 'py', '-c', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /container nope is not valid for pod py/);
  const raw = await up.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/py/log?container=nope&follow=True']);
  assert.match(raw.stderr, /Error from server \(BadRequest\): container nope is not valid for pod py/);
  const previous = await up.kubectl(['logs', 'py', '-c', 'main', '--previous']);
  assert.notEqual(previous.code, 0);
  assert.match(previous.stderr, /Error from server \(BadRequest\): previous terminated container "main" in pod "py" not found/);

  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: taken\ndata:\n  a: "1"\n';
  assert.equal((await up.kubectl(['create', '-f', '-'], cm)).code, 0);
  const dry = await up.kubectl(['create', '--dry-run=server', '-f', '-'], cm);
  assert.notEqual(dry.code, 0, dry.stdout);
  assert.match(dry.stderr, /Error from server \(AlreadyExists\).*configmaps "taken" already exists/);

  const numeric = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: numeric\nspec:\n  containers:\n  - name: c\n    image: busybox\n    imagePullPolicy: IfNotPresent\n    command: ["sleep", "3600"]\n    resources:\n      requests:\n        cpu: 0.1\n        memory: 64000000\n      limits:\n        cpu: 1\n        memory: 134217728\n';
  const applied = await up.kubectl(['apply', '-f', '-'], numeric);
  assert.equal(applied.code, 0, applied.stderr);
  const pod = JSON.parse((await up.kubectl(['get', 'pod', 'numeric', '-o', 'json'])).stdout) as Pod;
  assert.deepEqual(pod.spec?.containers[0].resources, { requests: { cpu: '100m', memory: '64M' }, limits: { cpu: '1', memory: '134217728' } });
});

test('kubectl describe svc shows the endpoints from the EndpointSlice controller', { skip: !hasClient && 'needs the cluster of the python test', timeout: 120_000 }, async () => {
  const up = cl!.up;
  assert.equal((await up.kubectl(['label', 'pod', 'numeric', 'app=py'])).code, 0);
  const svc = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: pysvc\nspec:\n  selector: {app: py}\n  ports:\n  - port: 80\n    targetPort: 8080\n';
  assert.equal((await up.kubectl(['apply', '-f', '-'], svc)).code, 0);
  // The one-container pod of the test above: Ready once running (py's talker has exited, so py never is).
  const ip = await eventually('numeric ready', async () => {
    const p = JSON.parse((await up.kubectl(['get', 'pod', 'numeric', '-o', 'json'])).stdout) as Pod;
    return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p.status.podIP : undefined;
  }, 60_000);
  const shown = await eventually('describe svc endpoints', async () => {
    const d = await up.kubectl(['describe', 'svc', 'pysvc']);
    return new RegExp(`Endpoints:\\s+${ip.replace(/\./g, '\\.')}:8080\\n`).test(d.stdout) ? d.stdout : undefined;
  }, 30_000);
  assert.match(shown, /Selector:\s+app=py/);
  const slices = await up.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=pysvc']);
  assert.match(slices.stdout, new RegExp(`pysvc-\\S+\\s+IPv4\\s+8080\\s+${ip.replace(/\./g, '\\.')}\\s`));
});
