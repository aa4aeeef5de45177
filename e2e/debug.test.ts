// `kubectl debug` on one isolated `hyperkube up`: an ephemeral container added through
// pods/ephemeralcontainers, run by the kubelet in the target container's PID namespace, its
// status reported, its logs read, and an interactive one attached (`kubectl debug -i`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { Pod } from '../api/core.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;
let env: NodeJS.ProcessEnv;

async function kubectlRun(args: string[], input?: string): Promise<{ code: number; out: string }> {
  const r = await cl.up.kubectl(args, input);
  return { code: r.code, out: r.stdout + r.stderr };
}
const kubectl = (...args: string[]): Promise<string> => cl.up.kubectlOk(args);
const getPod = async (name: string) => JSON.parse(await kubectl('get', 'pod', name, '-o', 'json')) as Pod;

before(async () => {
  cl = await startIsolated('debug');
  env = { ...process.env, KUBECONFIG: cl.up.kubeconfig };
  await eventually('node Ready', async () => (/\sReady\s/.test(await kubectl('get', 'nodes')) ? true : undefined));
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '4321'] }] } };
  assert.equal((await kubectlRun(['apply', '-f', '-'], JSON.stringify(pod))).code, 0);
  await eventually('web running', async () => ((await getPod('web')).status?.containerStatuses?.[0]?.state?.running ? true : undefined), 60_000);
});

after(async () => {
  await cl?.teardown();
});

test('kubectl debug --target: the debugger sees the target\'s processes, then is reported terminated and never restarted', async () => {
  await kubectl('debug', 'web', '--image=busybox', '--target=c', '-c', 'dbg', '--', 'ps');
  const p = await eventually('dbg terminated', async () => {
    const x = await getPod('web');
    const s = x.status?.ephemeralContainerStatuses?.find((c) => c.name === 'dbg');
    return s?.state?.terminated ? x : undefined;
  }, 60_000);
  const s = p.status!.ephemeralContainerStatuses!.find((c) => c.name === 'dbg')!;
  assert.equal(s.state!.terminated!.exitCode, 0);
  assert.equal(s.restartCount, 0);
  assert.equal(p.spec!.ephemeralContainers![0].targetContainerName, 'c');
  const logs = await kubectl('logs', 'web', '-c', 'dbg');
  // PID 1 of the target's namespace is its sleep.
  assert.match(logs, /^\s*1 \S+\s+sleep 4321$/m);
  // The app container kept running; the pod is still Running and Ready.
  assert.equal(p.status!.phase, 'Running');
  assert.ok(p.status!.containerStatuses![0].state!.running);
  // Still terminated a little later: not restarted.
  await new Promise((r) => setTimeout(r, 2000));
  const again = (await getPod('web')).status!.ephemeralContainerStatuses!.find((c) => c.name === 'dbg')!;
  assert.ok(again.state!.terminated);
  assert.equal(again.restartCount, 0);
});

test('the API refuses changing an existing ephemeral container (422, upstream wording)', async () => {
  const r = await kubectlRun(['patch', 'pod', 'web', '--subresource=ephemeralcontainers', '--type=json', '-p', '[{"op":"replace","path":"/spec/ephemeralContainers/0/image","value":"other"}]']);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /spec\.ephemeralContainers\[0\]: Forbidden: existing ephemeral containers "dbg" may not be changed/);
});

test('kubectl debug -i attaches: a shell fed on stdin answers', async () => {
  const r = await kubectlRun(['debug', '-i', '--image=busybox', '--target=c', '-c', 'shell', 'web', '--', 'sh'], 'echo hi-from-$(cat /proc/1/cmdline | tr "\\0" " ")\nexit\n');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /hi-from-sleep 4321/);
  await eventually('shell terminated', async () => ((await getPod('web')).status?.ephemeralContainerStatuses?.find((c) => c.name === 'shell')?.state?.terminated ? true : undefined), 30_000);
});

test('kubectl debug -it: a terminal is allocated in the debugger', async () => {
  // `script` gives kubectl the terminal it demands for -t; the shell's input goes through it.
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    const cmd = '/usr/bin/kubectl debug -it --image=busybox --target=c -c term web -- sh';
    const p = execFile('/usr/bin/script', ['-qec', cmd, '/dev/null'], { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
    // Typed once the shell is there: kubectl attaches after the container runs.
    setTimeout(() => p.stdin!.write('[ -t 0 ] && echo "is-a-$((6*7))-tty"\n'), 3000);
    setTimeout(() => p.stdin!.end('exit\n'), 4000);
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /is-a-42-tty/);
});
