// Drives a tskube cluster with npm's @kubernetes/client-node (2.x, Node >= 22.19):
// list, watch, an informer's add/update/delete, a followed log, exec with its status, top.
// Usage: node client-node.js KUBECONFIG NAMESPACE. Prints one JSON object of what it saw.
// Plain JavaScript run by a newer Node than the suite's, so it is not compiled with it.

import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, Log, Metrics, Watch, makeInformer } from '@kubernetes/client-node';

const [kubeconfig, namespace] = process.argv.slice(2);
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const out = {};

function within(ms, what, fn) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    fn((v) => {
      clearTimeout(timer);
      resolve(v);
    }, reject);
  });
}

out.initialConfigMaps = (await core.listNamespacedConfigMap({ namespace })).items.length;

// An informer on config maps: add, update and delete each arrive.
const informer = makeInformer(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => core.listNamespacedConfigMap({ namespace }));
const seen = [];
const waiters = [];
const note = (type) => (obj) => {
  if (obj.metadata?.name !== 'cn') return;
  seen.push(`${type}:${obj.data?.k ?? ''}`);
  for (const w of waiters.splice(0)) w();
};
informer.on('add', note('add'));
informer.on('update', note('update'));
informer.on('delete', note('delete'));
informer.on('error', (err) => seen.push(`error:${err?.message ?? err}`));
await informer.start();
const until = (pred, what) => within(20_000, what, (ok) => {
  const check = () => (pred() ? ok() : waiters.push(check));
  check();
});
await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'cn' }, data: { k: '1' } } });
await until(() => seen.includes('add:1'), 'informer add');
await core.replaceNamespacedConfigMap({ name: 'cn', namespace, body: { metadata: { name: 'cn' }, data: { k: '2' } } });
await until(() => seen.includes('update:2'), 'informer update');
await core.deleteNamespacedConfigMap({ name: 'cn', namespace });
await until(() => seen.some((s) => s.startsWith('delete:')), 'informer delete');
out.informerEvents = seen;
out.informerCacheAfterDelete = informer.list(namespace).filter((c) => c.metadata?.name === 'cn').length;
await informer.stop();

// A pod, watched until it runs.
await core.createNamespacedPod({
  namespace,
  body: {
    metadata: { name: 'cn' },
    spec: {
      restartPolicy: 'Never',
      containers: [
        { name: 'main', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] },
        { name: 'talker', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'sleep 2; for i in 1 2 3; do echo line-$i; sleep 1; done'] },
      ],
    },
  },
});
const watchEvents = [];
let abort;
await within(90_000, 'pod running', async (ok, fail) => {
  abort = await new Watch(kc).watch(`/api/v1/namespaces/${namespace}/pods`, { fieldSelector: 'metadata.name=cn' }, (type, obj) => {
    watchEvents.push(type);
    if (obj.status?.phase === 'Running') ok();
  }, (err) => err && fail(err));
});
abort.abort();
out.watchEvents = watchEvents;

// The talker's log, followed until it exits.
const logText = await within(30_000, 'log end', (ok, fail) => {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (d) => (text += d));
  sink.on('end', () => ok(text));
  new Log(kc).log(namespace, 'cn', 'talker', sink, { follow: true }).catch(fail);
});
out.logLines = logText.split('\n').filter(Boolean);

// Exec exiting 3: the status arrives with the exit code.
const t0 = Date.now();
const execOut = new PassThrough();
let execText = '';
execOut.on('data', (d) => (execText += d));
const status = await within(30_000, 'exec status', (ok, fail) => {
  new Exec(kc).exec(namespace, 'cn', 'main', ['sh', '-c', 'echo out; exit 3'], execOut, null, null, false, ok).catch(fail);
});
out.execStatus = { status: status.status, reason: status.reason, causes: status.details?.causes };
out.execStdout = execText;
out.execSeconds = (Date.now() - t0) / 1000;

// top: metrics.k8s.io through the client's Metrics API (a container is listed once the
// kubelet has two CPU samples of it, a few seconds after it starts).
const metrics = new Metrics(kc);
let nodes = [];
let podMetric;
for (const deadline = Date.now() + 60_000; (!podMetric || !nodes.length) && Date.now() < deadline; ) {
  nodes = (await metrics.getNodeMetrics()).items;
  podMetric = (await metrics.getPodMetrics(namespace)).items.find((p) => p.metadata.name === 'cn');
  if (!podMetric || !nodes.length) await new Promise((r) => setTimeout(r, 2000));
}
out.nodeMetrics = nodes.map((n) => typeof n.usage?.cpu === 'string' && typeof n.usage?.memory === 'string');
out.podMetricContainers = podMetric?.containers.map((c) => c.name) ?? [];

console.log(JSON.stringify(out));
process.exit(0);
