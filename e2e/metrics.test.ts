// Resource metrics end to end on one isolated cluster (real kubelet, cgroups, kubectl 1.32):
// `kubectl top node` and `kubectl top pod --containers` show the CPU of a busy pod, and an HPA
// made by `kubectl autoscale` scales a CPU-burning Deployment up to its maximum and, once the
// burn stops, back down. Every burner is capped by its CPU limit (cgroup quota, 100m), so the
// whole test burns at most 0.4 of a core on a shared machine.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;

const kubectl = (args: string[], input?: string): Promise<string> => cl.up.kubectlOk(args, input);

const BUSY = `apiVersion: v1
kind: Pod
metadata: {name: busy}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: spin
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "while :; do :; done"]
    resources: {requests: {cpu: 50m}, limits: {cpu: 100m}}
  - name: quiet
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
`;

// Burns until /tmp/stop exists, then idles.
const BURN = `apiVersion: apps/v1
kind: Deployment
metadata: {name: burn}
spec:
  replicas: 1
  selector: {matchLabels: {app: burn}}
  template:
    metadata: {labels: {app: burn}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: burn
        image: busybox
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "while [ ! -f /tmp/stop ]; do :; done; exec sleep 3600"]
        resources: {requests: {cpu: 50m}, limits: {cpu: 100m}}
`;

const milli = (s: string) => (s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000);

before(async () => {
  cl = await startIsolated('metrics');
});
after(async () => {
  await cl?.teardown();
});

test('kubectl top node and top pod --containers show the busy container within 30 s', { timeout: 90_000 }, async () => {
  await kubectl(['apply', '-f', '-'], BUSY);
  await kubectl(['wait', '--for=condition=Ready', 'pod/busy', '--timeout=60s']);
  const started = Date.now();
  const row = await eventually('kubectl top pod --containers shows CPU for spin', async () => {
    const r = await cl.up.kubectl(['top', 'pod', 'busy', '--containers', '--no-headers']);
    const spin = /^busy\s+spin\s+(\d+m)\s+(\d+)Mi/m.exec(r.stdout);
    return spin && milli(spin[1]) > 0 ? r.stdout : undefined;
  }, 30_000, 1000);
  console.log(`# top pod answered after ${Date.now() - started} ms:\n${row}`);
  const spin = milli(/^busy\s+spin\s+(\d+m)/m.exec(row)![1]);
  // Capped by its 100m limit (cfs quota): a little over from the window's edges at most.
  assert.ok(spin >= 30 && spin <= 130, `spin uses ${spin}m`);
  assert.match(row, /^busy\s+quiet\s+0m\s+\d+Mi/m);
  const nodes = await kubectl(['top', 'node', '--no-headers']);
  const n = /^(\S+)\s+(\d+)m\s+(\d+)%\s+(\d+)Mi\s+(\d+)%/m.exec(nodes);
  assert.ok(n && Number(n[2]) > 0 && Number(n[4]) > 0, nodes);
  // The kubelet's own endpoints, through the apiserver's node proxy are another branch's; the
  // metrics API is checked raw here.
  const pm = JSON.parse(await kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/busy'])) as { containers: { name: string }[]; window: string };
  assert.deepEqual(pm.containers.map((c) => c.name).sort(), ['quiet', 'spin']);
  await kubectl(['delete', 'pod', 'busy', '--wait=false']);
});

test('an HPA from kubectl autoscale scales a CPU-burning Deployment up, and down once the burn stops', { timeout: 240_000 }, async () => {
  await kubectl(['apply', '-f', '-'], BURN);
  await kubectl(['rollout', 'status', 'deployment/burn', '--timeout=60s']);
  assert.match(await kubectl(['autoscale', 'deployment', 'burn', '--cpu-percent=50', '--min=1', '--max=3']), /autoscaled/);
  // A short scale-down window (the default is 5 minutes), set on the v2 object kubectl reads by default.
  await kubectl(['patch', 'hpa', 'burn', '--type=merge', '-p', '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":5}}}}']);
  const t0 = Date.now();
  await eventually('the HPA scales the Deployment to 3', async () => {
    const d = JSON.parse(await kubectl(['get', 'deployment', 'burn', '-o', 'json'])) as { spec: { replicas: number } };
    return d.spec.replicas === 3 ? true : undefined;
  }, 90_000, 2000);
  console.log(`# scaled up to 3 after ${Date.now() - t0} ms`);
  const hpa = JSON.parse(await kubectl(['get', 'hpa', 'burn', '-o', 'json'])) as { status: { currentMetrics: { resource: { current: { averageUtilization: number } } }[]; conditions: { type: string; status: string; reason: string }[]; lastScaleTime?: string } };
  assert.ok(hpa.status.currentMetrics[0].resource.current.averageUtilization > 55, JSON.stringify(hpa.status));
  assert.ok(hpa.status.lastScaleTime);
  assert.ok(hpa.status.conditions.some((c) => c.type === 'ScalingActive' && c.status === 'True' && c.reason === 'ValidMetricFound'), JSON.stringify(hpa.status.conditions));
  assert.match(await kubectl(['get', 'hpa', 'burn', '--no-headers']), /^burn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+\d/m);
  const events = await kubectl(['get', 'events', '--field-selector', 'reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}']);
  assert.match(events, /New size: 3; reason: cpu resource utilization \(percentage of request\) above target/);

  // Stop the burn in every pod (3 is the maximum: no new pod comes after this).
  await kubectl(['rollout', 'status', 'deployment/burn', '--timeout=60s']);
  const pods = (await kubectl(['get', 'pods', '-l', 'app=burn', '-o', 'jsonpath={.items[*].metadata.name}'])).split(/\s+/).filter(Boolean);
  assert.equal(pods.length, 3);
  for (const p of pods) await kubectl(['exec', p, '--', 'touch', '/tmp/stop']);
  const t1 = Date.now();
  await eventually('the HPA scales the Deployment back to 1', async () => {
    const d = JSON.parse(await kubectl(['get', 'deployment', 'burn', '-o', 'json'])) as { spec: { replicas: number } };
    return d.spec.replicas === 1 ? true : undefined;
  }, 120_000, 2000);
  console.log(`# scaled down to 1 after ${Date.now() - t1} ms`);
  const down = JSON.parse(await kubectl(['get', 'hpa', 'burn', '-o', 'json'])) as { status: { desiredReplicas: number; conditions: { type: string; status: string; reason: string }[] } };
  assert.equal(down.status.desiredReplicas, 1);
  assert.ok(down.status.conditions.some((c) => c.type === 'ScalingLimited' && c.status === 'True' && c.reason === 'TooFewReplicas'), JSON.stringify(down.status.conditions));
});
