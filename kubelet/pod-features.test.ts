// Pod features on a real kubelet + apiserver + runtime: init containers,
// env (downward API, configMap/secret refs, envFrom, service links), volumes
// (emptyDir incl. Memory, configMap, secret), probes, followed logs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../api/core.js';
import type { Status } from '../api/meta.js';
import { cgroupPids } from '../testing/runtime-env.js';
import { L_POD_UID } from './labels.js';
import { startKubeletTestEnv, testPod, waitFor, type KubeletTestEnv } from '../testing/kubelet-env.js';

let env: KubeletTestEnv;

before(async () => {
  env = await startKubeletTestEnv();
});

after(async () => {
  if (!env) return;
  const { prefix } = env;
  await env.cleanup();
  assert.deepEqual(cgroupPids(prefix), []);
});

const getPod = (name: string) => env.client.pods('default').get(name);
async function waitPhase(name: string, phase: string, timeoutMs = 30_000): Promise<Pod> {
  let last: Pod | undefined;
  try {
    return await waitFor(`${name} ${phase}`, async () => {
      last = await getPod(name);
      return last.status?.phase === phase ? last : false;
    }, timeoutMs);
  } catch (e) {
    console.error(`${name}: last status ${JSON.stringify(last?.status)}\nkubelet log:\n${env.logs.slice(-30).join('\n')}`);
    throw e;
  }
}
async function exec(pod: Pod, cmd: string[]): Promise<string> {
  const [c] = await env.runtime.listContainers({ labelSelector: { [L_POD_UID]: pod.metadata.uid! }, state: 'CONTAINER_RUNNING' });
  const r = await env.runtime.execSync(c.id, cmd, 10);
  return r.stdout.toString();
}
const logs = async (name: string, q = '') => (await fetch(`http://127.0.0.1:${env.kubelet.port}/containerLogs/default/${name}/main${q}`)).text();

test('init containers run in order before the app container, sharing an emptyDir', async () => {
  const pod = testPod('init1', env.nodeName, {
    restartPolicy: 'Never',
    volumes: [{ name: 'work', emptyDir: {} }],
    initContainers: [
      { name: 'one', image: 'busybox', command: ['sh', '-c', 'echo one >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      { name: 'two', image: 'busybox', command: ['sh', '-c', 'echo two >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
    ],
    command: ['cat', '/work/order'],
  });
  pod.spec!.containers[0].volumeMounts = [{ name: 'work', mountPath: '/work' }];
  await env.client.pods('default').create(pod);
  const p = await waitPhase('init1', 'Succeeded');
  assert.deepEqual(p.status?.initContainerStatuses?.map((s) => s.state?.terminated?.exitCode), [0, 0]);
  assert.equal(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  assert.equal(await logs('init1'), 'one\ntwo\n');
});

test('a failing init container with restartPolicy Never fails the pod; the app never starts', async () => {
  await env.client.pods('default').create(testPod('init2', env.nodeName, { restartPolicy: 'Never', initContainers: [{ name: 'bad', image: 'busybox', command: ['false'] }] }));
  const p = await waitPhase('init2', 'Failed');
  assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
});

test('env: literal with $(VAR), downward API, configMap/secret keys, envFrom, service links', async () => {
  await env.client.configMaps('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { color: 'blue', size: 'L' } });
  await env.client.secrets('default').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, data: { pw: Buffer.from('hunter2').toString('base64') } });
  await env.client.services('default').create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-svc' }, spec: { ports: [{ port: 8080, name: 'http' }], selector: { app: 'x' } } });
  const pod = testPod('env1', env.nodeName, { command: ['sh', '-c', 'env; sleep 1000'] });
  pod.metadata.labels = { app: 'env' };
  pod.spec!.containers[0].resources = { limits: { memory: '64Mi', cpu: '500m' } };
  pod.spec!.containers[0].env = [
    { name: 'A', value: 'x' },
    { name: 'B', value: '$(A)-y' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
    { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cm1', key: 'color' } } },
    { name: 'PW', valueFrom: { secretKeyRef: { name: 's1', key: 'pw' } } },
  ];
  pod.spec!.containers[0].envFrom = [{ prefix: 'CM_', configMapRef: { name: 'cm1' } }];
  await env.client.pods('default').create(pod);
  const p = await waitPhase('env1', 'Running');
  const out = await waitFor('env output', async () => {
    const t = await logs('env1');
    return t.includes('PW=') ? t : false;
  });
  const vars = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.equal(vars.B, 'x-y');
  assert.equal(vars.POD_NAME, 'env1');
  assert.equal(vars.POD_IP, p.status?.podIP);
  assert.equal(vars.APP, 'env');
  assert.equal(vars.MEM, '64');
  assert.equal(vars.COLOR, 'blue');
  assert.equal(vars.PW, 'hunter2');
  assert.equal(vars.CM_size, 'L');
  assert.match(vars.MY_SVC_SERVICE_HOST ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(vars.MY_SVC_SERVICE_PORT, '8080');
  assert.equal(vars.MY_SVC_SERVICE_PORT_HTTP, '8080');
});

test('a missing configMap key reference: CreateContainerConfigError', async () => {
  const pod = testPod('env2', env.nodeName);
  pod.spec!.containers[0].env = [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }];
  await env.client.pods('default').create(pod);
  const p = await waitFor('config error', async () => {
    const x = await getPod('env2');
    return x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? x : false;
  });
  assert.equal(p.status?.phase, 'Pending');
});

test('volumes: configMap and secret files (read-only), emptyDir medium Memory is a tmpfs', async () => {
  const pod = testPod('vol1', env.nodeName, {
    volumes: [
      { name: 'cm', configMap: { name: 'cm1' } },
      { name: 'sec', secret: { secretName: 's1', items: [{ key: 'pw', path: 'sub/password' }] } },
      { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
    ],
  });
  pod.spec!.containers[0].volumeMounts = [
    { name: 'cm', mountPath: '/etc/cm' },
    { name: 'sec', mountPath: '/etc/sec' },
    { name: 'mem', mountPath: '/scratch' },
  ];
  await env.client.pods('default').create(pod);
  const p = await waitPhase('vol1', 'Running');
  assert.equal(await exec(p, ['cat', '/etc/cm/color']), 'blue');
  assert.equal(await exec(p, ['cat', '/etc/sec/sub/password']), 'hunter2');
  assert.match(await exec(p, ['sh', '-c', 'touch /etc/cm/x 2>&1 || echo denied']), /denied|Read-only/);
  assert.match(await exec(p, ['sh', '-c', 'grep " /scratch " /proc/mounts']), /tmpfs/);
  await env.client.pods('default').delete('vol1', { gracePeriodSeconds: 0 });
});

test('liveness exec probe failing restarts the container; readiness drives Ready', async () => {
  const pod = testPod('probe1', env.nodeName, { command: ['sh', '-c', 'touch /tmp/healthy; sleep 1000'] });
  pod.spec!.containers[0].livenessProbe = { exec: { command: ['sh', '-c', 'test ! -e /tmp/kill'] }, periodSeconds: 1, failureThreshold: 1 };
  pod.spec!.containers[0].readinessProbe = { exec: { command: ['test', '-e', '/tmp/ready'] }, periodSeconds: 1 };
  await env.client.pods('default').create(pod);
  const p = await waitPhase('probe1', 'Running');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await getPod('probe1')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False', 'not ready before the file exists');
  await exec(p, ['touch', '/tmp/ready']);
  await waitFor('Ready', async () => (await getPod('probe1')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 10_000);
  await exec(p, ['touch', '/tmp/kill']);
  const restarted = await waitFor('restart by liveness', async () => {
    const x = await getPod('probe1');
    return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? x : false;
  }, 20_000);
  assert.ok(restarted.status?.containerStatuses?.[0]?.lastState?.terminated);
  const events = await env.client.events('default').list({ fieldSelector: 'involvedObject.name=probe1' });
  assert.ok(events.items.some((e) => e.reason === 'Unhealthy' && /^Liveness probe failed/.test(e.message ?? '')));
  assert.ok(events.items.some((e) => e.reason === 'Unhealthy' && /^Readiness probe failed/.test(e.message ?? '')));
});

test('logs follow streams new lines until the container exits', async () => {
  await env.client.pods('default').create(testPod('follow1', env.nodeName, { restartPolicy: 'Never', command: ['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.3; done'] }));
  await waitFor('log file', async () => (await fetch(`http://127.0.0.1:${env.kubelet.port}/containerLogs/default/follow1/main`)).status === 200);
  const text = await logs('follow1', '?follow=true');
  assert.equal(text, 'line1\nline2\nline3\n');
  await waitPhase('follow1', 'Succeeded');
});

test('admission: a pod that does not fit ends Failed with OutOfcpu', async () => {
  const pod = testPod('huge1', env.nodeName);
  pod.spec!.containers[0].resources = { requests: { cpu: '100000' } };
  await env.client.pods('default').create(pod);
  const p = await waitPhase('huge1', 'Failed');
  assert.equal(p.status?.reason, 'OutOfcpu');
  assert.match(p.status?.message ?? '', /Node didn't have enough resource: cpu/);
  assert.deepEqual(await env.runtime.listPodSandbox({ labelSelector: { [L_POD_UID]: p.metadata.uid! } }), []);
});

/** A WebSocket session on the kubelet: every frame received, by channel. */
/** The metav1.Status a stream's error channel (3) ends with; the kubelet leaves out code and metadata. */
const channelStatus = (b: Buffer | undefined): Partial<Status> => JSON.parse(String(b)) as Partial<Status>;

async function wsSession(path: string, protocol: string, send: (ws: import('ws').WebSocket) => void = () => undefined): Promise<Map<number, Buffer>> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${env.kubelet.port}${path}`, [protocol]);
  const out = new Map<number, Buffer>();
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => send(ws));
    ws.on('message', (d: Buffer) => out.set(d[0], Buffer.concat([out.get(d[0]) ?? Buffer.alloc(0), d.subarray(1)])));
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  return out;
}

test('exec over WebSocket (v5.channel.k8s.io): stdout, stderr, stdin half-close, exit status', async () => {
  await env.client.pods('default').create(testPod('exec1', env.nodeName));
  await waitPhase('exec1', 'Running');
  const cmd = ['sh', '-c', 'echo out; echo err >&2; exit 3'].map((c) => `command=${encodeURIComponent(c)}`).join('&');
  const r = await wsSession(`/exec/default/exec1/main?${cmd}&stdout=true&stderr=true`, 'v5.channel.k8s.io');
  assert.equal(r.get(1)?.toString(), 'out\n');
  assert.equal(r.get(2)?.toString(), 'err\n');
  const st = channelStatus(r.get(3));
  assert.equal(st.status, 'Failure');
  assert.equal(st.details?.causes?.[0]?.message, '3');
  const r2 = await wsSession(`/exec/default/exec1/main?command=cat&stdin=true&stdout=true`, 'v5.channel.k8s.io', (ws) => {
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('piped input\n')]));
    ws.send(Buffer.from([255, 0]));
  });
  assert.equal(r2.get(1)?.toString(), 'piped input\n');
  assert.equal(channelStatus(r2.get(3)).status, 'Success');
});

test('port-forward over WebSocket reaches a server in the pod', async () => {
  await env.client.pods('default').create(testPod('pf1', env.nodeName, { command: ['sh', '-c', 'mkdir -p /www && echo forwarded > /www/index.html && exec httpd -f -p 8080 -h /www'] }));
  await waitPhase('pf1', 'Running');
  let body = '';
  for (let i = 0; i < 30 && !body.includes('forwarded'); i++) {
    const r = await wsSession('/portForward/default/pf1?ports=8080', 'portforward.k8s.io', (ws) => {
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET / HTTP/1.0\r\nHost: x\r\n\r\n')]));
    });
    // The first two bytes of channel 0 are the port number.
    assert.equal(r.get(0)!.readUInt16LE(0), 8080);
    body = r.get(0)!.subarray(2).toString();
    if (!body.includes('forwarded')) await new Promise((res) => setTimeout(res, 200));
  }
  assert.match(body, /200 OK[\s\S]*forwarded/);
});

test('changing a running container image restarts that container', async () => {
  await env.client.pods('default').create(testPod('img1', env.nodeName));
  await waitPhase('img1', 'Running');
  await env.client.pods('default').patch('img1', { spec: { containers: [{ name: 'main', image: 'docker.io/library/busybox:latest' }] } }, 'strategic');
  const p = await waitFor('restarted with the new image', async () => {
    const x = await getPod('img1');
    const cs = x.status?.containerStatuses?.[0];
    return cs?.restartCount === 1 && cs.state?.running && cs.image === 'docker.io/library/busybox:latest' ? x : false;
  }, 20_000);
  assert.equal(p.status?.phase, 'Running');
});

test('httpGet readiness to the pod IP and tcpSocket liveness', async () => {
  const pod = testPod('http1', env.nodeName, { command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'] });
  pod.spec!.containers[0].ports = [{ name: 'web', containerPort: 8080 }];
  pod.spec!.containers[0].readinessProbe = { httpGet: { path: '/index.html', port: 'web' }, periodSeconds: 1 };
  pod.spec!.containers[0].livenessProbe = { tcpSocket: { port: 8080 }, periodSeconds: 1 };
  await env.client.pods('default').create(pod);
  await waitFor('Ready', async () => (await getPod('http1')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 15_000);
  await new Promise((r) => setTimeout(r, 3500));
  assert.equal((await getPod('http1')).status?.containerStatuses?.[0]?.restartCount, 0, 'a passing tcp liveness probe restarts nothing');
  const bad = testPod('tcp2', env.nodeName);
  bad.spec!.containers[0].livenessProbe = { tcpSocket: { port: 9999 }, periodSeconds: 1, failureThreshold: 2 };
  await env.client.pods('default').create(bad);
  await waitFor('restarted by tcp liveness', async () => ((await getPod('tcp2')).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 20_000);
});

test('hostNetwork pod reports the node IP; activeDeadlineSeconds fails a pod with DeadlineExceeded', async () => {
  await env.client.pods('default').create(testPod('hostnet1', env.nodeName, { hostNetwork: true }));
  const h = await waitPhase('hostnet1', 'Running');
  assert.equal(h.status?.podIP, '127.0.0.1');
  await env.client.pods('default').create(testPod('deadline1', env.nodeName, { activeDeadlineSeconds: 2, terminationGracePeriodSeconds: 0 }));
  const p = await waitPhase('deadline1', 'Failed', 20_000);
  assert.equal(p.status?.reason, 'DeadlineExceeded');
});

test('an image that cannot be pulled: ErrImagePull, then ImagePullBackOff (registry on loopback only)', async () => {
  const pod = testPod('pull1', env.nodeName);
  pod.spec!.containers[0].image = '127.0.0.1:1/nothing/here:v1';
  await env.client.pods('default').create(pod);
  const seen = new Set<string>();
  await waitFor('ImagePullBackOff', async () => {
    const r = (await getPod('pull1')).status?.containerStatuses?.[0]?.state?.waiting?.reason;
    if (r) seen.add(r);
    return r === 'ImagePullBackOff';
  }, 20_000, 50);
  assert.ok(seen.has('ErrImagePull'), `reasons seen: ${[...seen].join(',')}`);
  assert.equal((await getPod('pull1')).status?.phase, 'Pending');
});

test('kubectl logs and exec through the apiserver reach this kubelet', async () => {
  const { spawn } = await import('node:child_process');
  const kubectl = (args: string[], input = '') =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const c = spawn('kubectl', ['--server', env.api.url, ...args]);
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      c.stdin.on('error', () => {});
      c.stdin.end(input);
      const t = setTimeout(() => c.kill(), 30_000);
      c.on('exit', (code) => {
        clearTimeout(t);
        resolve({ code, out, err });
      });
    });
  await env.client.pods('default').create(testPod('kc1', env.nodeName, { command: ['sh', '-c', 'echo hello-from-pod; sleep 1000'] }));
  await waitPhase('kc1', 'Running');
  await waitFor('kubectl logs', async () => (await kubectl(['logs', 'kc1'])).out === 'hello-from-pod\n');
  const ex = await kubectl(['exec', 'kc1', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(ex.code, 3);
  assert.equal(ex.out, 'out\n');
  assert.match(ex.err, /err\n/);
  const cat = await kubectl(['exec', '-i', 'kc1', '--', 'cat'], 'piped\n');
  assert.equal(cat.out, 'piped\n');
});

test('termination messages: the file at terminationMessagePath, custom paths, FallbackToLogsOnError', async () => {
  const pod = testPod('termmsg', env.nodeName, { restartPolicy: 'Never' });
  pod.spec!.containers = [
    { name: 'main', image: 'busybox', command: ['sh', '-c', 'printf "bye from main" > /dev/termination-log; exit 3'] },
    { name: 'custom', image: 'busybox', terminationMessagePath: '/tmp/why', command: ['sh', '-c', 'echo custom-reason > /tmp/why'] },
    { name: 'fallback', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'echo line1; echo last-words; exit 1'] },
    { name: 'fallback-ok', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'echo not-a-message'] },
  ];
  await env.client.pods('default').create(pod);
  const p = await waitPhase('termmsg', 'Failed');
  const term = (n: string) => p.status?.containerStatuses?.find((s) => s.name === n)?.state?.terminated;
  assert.equal(term('main')?.exitCode, 3);
  assert.equal(term('main')?.message, 'bye from main');
  assert.equal(term('custom')?.message, 'custom-reason\n');
  assert.equal(term('fallback')?.message, 'line1\nlast-words\n');
  assert.equal(term('fallback-ok')?.message, undefined, 'a successful exit does not fall back to logs');
});
