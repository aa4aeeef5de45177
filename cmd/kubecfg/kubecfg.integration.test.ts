// kubecfg's verbs in-process (kubecfgMain) against the real apiserver and etcd.
// The verbs that wait on pods (stop, rollingupdate) run with the real replication
// and endpoints controllers in-process; what a kubelet would report (binding,
// Running/Ready, a container that keeps exiting, Terminating pods finishing)
// is played by testing/kubecfg-stand-in-kubelet.ts; real containers are e2e/'s.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import yaml from 'js-yaml';
import type { Pod, ReplicationController, Service } from '../../api/core.js';
import { isNotFound } from '../../client/errors.js';
import { Informer } from '../../client/informer.js';
import type { Obj } from '../../client/rest.js';
import { startEndpointsController, type EndpointsController } from '../../controllers/endpoints.js';
import { startReplicationManager, type ReplicationManager } from '../../controllers/replication.js';
import { writeKubeconfig } from '../../client/kubeconfig.js';
import { eventually, startTestCluster, uniqueName, type TestCluster } from '../../testing/client-env.js';
import { kubecfgMain } from './main.js';
import { NAME_ANNOTATION, DEPLOYMENT_LABEL } from './classic.js';
import { IGNORE_ANNOTATION, StandInKubelet } from '../../testing/kubecfg-stand-in-kubelet.js';

let c: TestCluster;
let dir: string;
let ns: string;

interface Result {
  code: number;
  out: string;
  err: string;
}

async function kc(args: string[], opts: { stdin?: string; signal?: AbortSignal; noServer?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  let out = '';
  let err = '';
  const code = await kubecfgMain([...(opts.noServer ? [] : ['-s', c.url]), ...args], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin: Readable.from([opts.stdin ?? '']),
    env: opts.env ?? { HOME: dir },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { code, out, err };
}

const podYaml = (name: string, labels = 'app: web'): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    ${labels}
spec:
  containers:
  - name: c
    image: busybox
`;

before(async () => {
  c = await startTestCluster();
  dir = await mkdtemp(join(tmpdir(), 'tkt-kubecfg-'));
  ns = uniqueName('tkt-kc');
  await c.client.namespaces().create({ metadata: { name: ns } });
});

after(async () => {
  await c?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('create -f file, get as a table, -o yaml/json/name, not found is exit 1 with the Status message', async () => {
  const f = join(dir, 'pod.yaml');
  await writeFile(f, podYaml('web1'));
  const created = await kc(['create', '-f', f, '-n', ns]);
  assert.equal(created.code, 0, created.err);
  assert.equal(created.out, 'pod/web1 created\n');

  const table = await kc(['get', 'pods', '-n', ns]);
  assert.equal(table.code, 0, table.err);
  const lines = table.out.trimEnd().split('\n');
  assert.match(lines[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
  assert.match(lines[1], /^web1\s+0\/1\s+Pending\s+0\s+\d+s$/);

  const y = await kc(['get', 'pod', 'web1', '-n', ns, '-o', 'yaml']);
  const obj = yaml.load(y.out) as { kind: string; metadata: { name: string; namespace: string } };
  assert.equal(obj.kind, 'Pod');
  assert.equal(obj.metadata.namespace, ns);
  const j = JSON.parse((await kc(['get', 'pods', '-n', ns, '-o', 'json'])).out) as { kind: string; items: { kind: string }[] };
  assert.equal(j.kind, 'List');
  assert.equal(j.items[0].kind, 'Pod');
  assert.equal((await kc(['get', 'pods', '-n', ns, '-o', 'name'])).out, 'pod/web1\n');

  const missing = await kc(['get', 'pod', 'nope', '-n', ns]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, 'Error from server (NotFound): pods "nope" not found\n');
  const dup = await kc(['create', '-f', f, '-n', ns]);
  assert.equal(dup.code, 1);
  assert.match(dup.err, /^Error from server \(AlreadyExists\): pods "web1" already exists/);
});

test('create from a directory and from stdin; -l, -A and wide', async () => {
  const d = join(dir, 'manifests');
  await mkdir(d, { recursive: true });
  await writeFile(join(d, 'a.yaml'), podYaml('dir-a', 'tier: back') + '---\n' + podYaml('dir-b', 'tier: front'));
  await writeFile(join(d, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dir-c' }, data: { k: 'v' } }));
  await writeFile(join(d, 'ignored.txt'), 'not a manifest');
  const r = await kc(['create', '-f', d, '-n', ns]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split('\n'), ['pod/dir-a created', 'pod/dir-b created', 'configmap/dir-c created']);
  const s = await kc(['create', '-f', '-', '-n', ns], { stdin: podYaml('stdin-pod', 'tier: front') });
  assert.equal(s.code, 0, s.err);
  assert.equal(s.out, 'pod/stdin-pod created\n');

  const front = await kc(['get', 'pods', '-n', ns, '-l', 'tier=front', '-o', 'name']);
  assert.deepEqual(front.out.trim().split('\n').sort(), ['pod/dir-b', 'pod/stdin-pod']);
  const all = await kc(['get', 'pods', '-A', '-l', 'tier']);
  const header = all.out.split('\n')[0];
  assert.match(header, /^NAMESPACE\s+NAME\s+READY/);
  assert.equal(all.out.trim().split('\n').length, 4);
  assert.ok(all.out.split('\n')[1].startsWith(ns));
  const wide = await kc(['get', 'pods', '-n', ns, '-o', 'wide', '-l', 'tier=back']);
  assert.match(wide.out.split('\n')[0], /\bIP\b.*\bNODE\b/);
  const none = await kc(['get', 'pods', '-n', ns, '-l', 'tier=nothing']);
  assert.equal(none.code, 0);
  assert.equal(none.err, `No resources found in ${ns} namespace.\n`);
});

test('apply -f twice (server-side, field manager kubecfg) changes the object', async () => {
  const f = join(dir, 'cm.yaml');
  await writeFile(f, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n`);
  const first = await kc(['apply', '-f', f, '-n', ns]);
  assert.equal(first.code, 0, first.err);
  assert.equal(first.out, 'configmap/applied serverside-applied\n');
  await writeFile(f, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "2"\n  b: "3"\n`);
  assert.equal((await kc(['apply', '-f', f, '-n', ns])).code, 0);
  const got = await c.client.configMaps(ns).get('applied');
  assert.deepEqual(got.data, { a: '2', b: '3' });
  assert.ok(got.metadata.managedFields?.some((m) => m.manager === 'kubecfg'));
});

test('delete by name, by -f, by -l, with --grace-period and --cascade', async () => {
  await c.client.configMaps(ns).create({ metadata: { name: 'del1' } });
  await c.client.configMaps(ns).create({ metadata: { name: 'del2', labels: { d: 'x' } } });
  await c.client.configMaps(ns).create({ metadata: { name: 'fg' } });
  const byName = await kc(['delete', 'configmap', 'del1', '-n', ns, '--grace-period=0']);
  assert.equal(byName.code, 0, byName.err);
  assert.equal(byName.out, 'configmap "del1" deleted\n');
  // Foreground: the object waits, marked, for the garbage collector (e2e) to remove its dependents first.
  assert.equal((await kc(['delete', 'configmap', 'fg', '-n', ns, '--cascade=foreground'])).code, 0);
  const fg = await c.client.configMaps(ns).get('fg');
  assert.ok(fg.metadata.deletionTimestamp);
  assert.ok(fg.metadata.finalizers?.includes('foregroundDeletion'));
  const bySel = await kc(['delete', 'cm', '-l', 'd=x', '-n', ns]);
  assert.equal(bySel.out, 'configmap "del2" deleted\n');
  const f = join(dir, 'todelete.yaml');
  await writeFile(f, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: del3\n`);
  await kc(['create', '-f', f, '-n', ns]);
  const byFile = await kc(['delete', '-f', f, '-n', ns]);
  assert.equal(byFile.out, 'configmap "del3" deleted\n');
  for (const n of ['del1', 'del2', 'del3']) assert.ok(isNotFound(await c.client.configMaps(ns).get(n).catch((e: unknown) => e)));
  const again = await kc(['delete', 'configmap', 'del1', '-n', ns]);
  assert.equal(again.code, 1);
  assert.match(again.err, /NotFound/);
  assert.equal((await kc(['delete', 'configmap', 'del1', '-n', ns, '--ignore-not-found'])).code, 0);
  const bad = await kc(['delete', 'configmap', 'x', '--cascade=sideways', '-n', ns]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /invalid --cascade/);
});

test('describe shows the object and its events', async () => {
  await c.client.pods(ns).create({ metadata: { name: 'described', labels: { app: 'd' } }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } });
  const pod = await c.client.pods(ns).get('described');
  await c.client.events(ns).create({
    metadata: { name: 'described.1' },
    involvedObject: { kind: 'Pod', name: 'described', namespace: ns, uid: pod.metadata.uid! },
    reason: 'Scheduled',
    message: 'Successfully assigned to node-a',
    type: 'Normal',
    source: { component: 'default-scheduler' },
    firstTimestamp: new Date().toISOString(),
    lastTimestamp: new Date().toISOString(),
    count: 1,
  });
  await c.client.events(ns).create({
    metadata: { name: 'other.1' },
    involvedObject: { kind: 'Pod', name: 'someone-else', namespace: ns },
    reason: 'Other',
    message: 'not mine',
    type: 'Normal',
  });
  const d = await kc(['describe', 'pod', 'described', '-n', ns]);
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /^Name:\s+described$/m);
  assert.match(d.out, new RegExp(`^Namespace:\\s+${ns}$`, 'm'));
  assert.match(d.out, /^Labels:\s+app=d$/m);
  assert.match(d.out, /Image:\s+busybox:1\.36/);
  assert.match(d.out, /^Events:$/m);
  assert.match(d.out, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned to node-a/);
  assert.doesNotMatch(d.out, /not mine/);
});

test('get -w prints the table, then a row per change', async () => {
  const abort = new AbortController();
  const out: string[] = [];
  const watching = kubecfgMain(['-s', c.url, 'get', 'configmaps', '-n', ns, '-l', 'watch=me', '-w'], {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: () => true },
    signal: abort.signal,
  });
  await c.client.configMaps(ns).create({ metadata: { name: 'w-one', labels: { watch: 'me' } }, data: { a: 'b' } });
  await eventually('a row for w-one', () => out.join('').includes('w-one'));
  await c.client.configMaps(ns).create({ metadata: { name: 'w-two', labels: { watch: 'me' } } });
  await eventually('a row for w-two', () => out.join('').includes('w-two'));
  abort.abort();
  assert.equal(await watching, 0);
  const lines = out.join('').trimEnd().split('\n');
  assert.match(lines[0], /^NAME\s+DATA\s+AGE$/);
  assert.match(lines[1], /^w-one\s+1\s+\d+s$/);
  assert.match(lines[2], /^w-two\s+0\s+\d+s$/);
});

test('kubeconfig: read from --kubeconfig and $KUBECONFIG; no kubeconfig is a clear error', async () => {
  const kcfg = join(dir, 'kubeconfig');
  await writeKubeconfig(kcfg, { server: c.url, namespace: ns });
  const r = await kc(['--kubeconfig', kcfg, 'get', 'pod', 'web1', '-o', 'name'], { noServer: true });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'pod/web1\n', 'namespace from the context');
  const e = await kc(['get', 'pods', '-o', 'name', '-n', ns], { noServer: true, env: { KUBECONFIG: kcfg, HOME: dir } });
  assert.equal(e.code, 0, e.err);
  const none = await kc(['get', 'pods'], { noServer: true, env: { HOME: join(dir, 'nohome'), KUBECONFIG: join(dir, 'absent') } });
  assert.equal(none.code, 1);
  assert.match(none.err, /no kubeconfig found/);
  const refused = await kc(['-s', 'http://127.0.0.1:1', 'get', 'pods'], { noServer: true });
  assert.equal(refused.code, 1);
  assert.match(refused.err, /connection to the server was refused/);
  const unknown = await kc(['frobnicate']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown command "frobnicate"/);
});

test('classic: run with -p and -s makes an RC labelled name=<name> and a Service; list; resize; rm', async () => {
  const r = await kc(['run', 'nginx:1.25', '3', 'webapp', '-p', '8080:80', '-s', '-n', ns]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /webapp/);
  const rc = await c.client.replicationControllers(ns).get('webapp');
  assert.equal(rc.spec?.replicas, 3);
  assert.deepEqual(rc.spec?.selector, { name: 'webapp' });
  assert.deepEqual(rc.spec?.template?.metadata?.labels, { name: 'webapp' });
  const ctr = rc.spec?.template?.spec?.containers[0];
  assert.equal(ctr?.image, 'nginx:1.25');
  assert.equal(ctr?.ports?.[0]?.hostPort, 8080);
  assert.equal(ctr?.ports?.[0]?.containerPort, 80);
  const svc: Service = await c.client.services(ns).get('webapp');
  assert.deepEqual(svc.spec?.selector, { name: 'webapp' });
  assert.equal(svc.spec?.ports?.[0]?.port, 8080);
  assert.equal(svc.spec?.ports?.[0]?.targetPort, 80);
  assert.match(svc.spec?.clusterIP ?? '', /^10\./);

  const list = await kc(['list', 'replicationControllers', '-n', ns]);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE/);
  assert.match(list.out, /^webapp\s+3\s+/m);
  const minions = await kc(['list', 'minions']);
  assert.equal(minions.code, 0, minions.err);
  const asJson = await kc(['list', 'services', '-n', ns, '-json']);
  assert.ok((JSON.parse(asJson.out) as { items: { metadata: { name: string } }[] }).items.some((s) => s.metadata.name === 'webapp'));

  const resized = await kc(['resize', 'webapp', '5', '-n', ns, '-yaml']);
  assert.equal(resized.code, 0, resized.err);
  assert.equal((yaml.load(resized.out) as ReplicationController).spec?.replicas, 5);
  assert.equal((await c.client.replicationControllers(ns).getScale('webapp')).spec?.replicas, 5);
  const badN = await kc(['resize', 'webapp', 'many', '-n', ns]);
  assert.equal(badN.code, 1);

  const removed = await kc(['rm', 'webapp', '-n', ns]);
  assert.equal(removed.code, 0, removed.err);
  await eventually('rc gone', async () => isNotFound(await c.client.replicationControllers(ns).get('webapp').catch((e: unknown) => e)));
});

// The classic verbs that wait on pods run against the real replication and endpoints
// controllers (in-process, on this namespace only) and a stand-in for the kubelet's reports.
describe('classic verbs with a replication controller at work', () => {
  let cns: string;
  let kubelet: StandInKubelet;
  let rm: ReplicationManager;
  let ep: EndpointsController;
  const informers: { stop(): Promise<void> }[] = [];
  before(async () => {
    cns = uniqueName('tkt-kcc');
    await c.client.namespaces().create({ metadata: { name: cns } });
    const inf = <T extends Obj>(resource: string) => {
      const i = new Informer<T>(c.client, resource, { namespace: cns });
      informers.push(i);
      return i;
    };
    const pods = inf<Pod>('pods');
    rm = await startReplicationManager({ client: c.client, log: () => {}, podInformer: pods, rcInformer: inf('replicationcontrollers') });
    ep = await startEndpointsController({ client: c.client, log: () => {}, podInformer: pods, serviceInformer: inf('services') });
    kubelet = new StandInKubelet(c.client, cns);
    await kubelet.start();
  });
  after(async () => {
    await kubelet?.stop();
    await rm?.stop();
    await ep?.stop();
    await Promise.all(informers.map((i) => i.stop()));
  });

  const podsNamed = async (sel: string) => (await c.client.pods(cns).list({ labelSelector: sel })).items;
  const readyPods = async (sel: string) => (await podsNamed(sel)).filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));

  test('stop scales to 0 and returns only when no pod of the controller is left, Terminating ones included', async () => {
    // A pod with its labels that already failed (evicted, say) runs nothing: stop does not wait for it.
    await c.client.pods(cns).create({ metadata: { name: 'stopper-evicted', labels: { name: 'stopper' }, annotations: { [IGNORE_ANNOTATION]: '' } }, spec: { nodeName: 'kc-node', containers: [{ name: 'c', image: 'busybox' }] } });
    await c.client.pods(cns).patch('stopper-evicted', { status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } }, 'merge', { subresource: 'status' });
    assert.equal((await kc(['run', 'busybox', '2', 'stopper', '-n', cns])).code, 0);
    await eventually('2 Ready pods', async () => ((await readyPods('name=stopper')).length === 2 ? true : undefined));
    // The kubelet is slow to kill them: the pods stay Terminating after the scale-down.
    kubelet.hold = true;
    let done = false;
    const stopping = kc(['stop', 'stopper', '-n', cns, '--timeout', '60s']).then((r) => {
      done = true;
      return r;
    });
    await eventually('both pods Terminating', async () => {
      const ps = (await podsNamed('name=stopper')).filter((p) => p.metadata.name !== 'stopper-evicted');
      return ps.length === 2 && ps.every((p) => p.metadata.deletionTimestamp) ? true : undefined;
    });
    await eventually('the controller counts 0', async () => ((await c.client.replicationControllers(cns).get('stopper')).status?.replicas === 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(done, false, 'stop must wait while pods are Terminating');
    kubelet.hold = false;
    kubelet.finishTerminating();
    const r = await stopping;
    assert.equal(r.code, 0, r.err);
    assert.deepEqual((await podsNamed('name=stopper')).map((p) => p.metadata.name), ['stopper-evicted'], 'no pod left running or terminating when stop returns');
    await c.client.pods(cns).delete('stopper-evicted');
    assert.match(r.out, /^stopper\s+0\s+0\s+/m);
  });

  test('stop times out with exit 1 naming the pods left', async () => {
    assert.equal((await kc(['run', 'busybox', '1', 'stuckstop', '-n', cns])).code, 0);
    await eventually('a Ready pod', async () => ((await readyPods('name=stuckstop')).length === 1 ? true : undefined));
    kubelet.hold = true;
    try {
      const r = await kc(['stop', 'stuckstop', '-n', cns, '--timeout', '2s']);
      assert.equal(r.code, 1);
      assert.match(r.err, /^error: timed out after 2s waiting for the pods of replicationcontroller "stuckstop" to go: 1 left: stuckstop-\w+ \(Terminating\)\n$/);
    } finally {
      kubelet.hold = false;
      kubelet.finishTerminating();
    }
    await eventually('pods gone', async () => ((await podsNamed('name=stuckstop')).length === 0 ? true : undefined));
  });

  test('rollingupdate replaces the RC one step at a time, each new pod Ready before an old one goes, and keeps the name mapping', async () => {
    await kc(['run', 'busybox:1.35', '2', 'roller', '-n', cns]);
    const rcs = c.client.replicationControllers(cns);
    await eventually('2 Ready pods', async () => ((await readyPods('name=roller')).length === 2 ? true : undefined));
    // While it runs, sample: Ready pods never fewer than 2, never more than 3 pods alive.
    let sampling = true;
    let minReady = Infinity;
    let maxLive = 0;
    const sampler = (async () => {
      while (sampling) {
        const ps = (await podsNamed('name=roller')).filter((p) => !p.metadata.deletionTimestamp);
        maxLive = Math.max(maxLive, ps.length);
        minReady = Math.min(minReady, (await readyPods('name=roller')).length);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let r: Result;
    try {
      r = await kc(['rollingupdate', 'roller', '--image', 'busybox:1.36', '-u', '200ms', '-n', cns]);
    } finally {
      sampling = false;
      await sampler;
    }
    assert.equal(r.code, 0, r.err);
    const next = /^Created (roller-[0-9a-f]{10})$/m.exec(r.out)?.[1];
    assert.ok(next, r.out);
    const steps = r.out.split('\n').filter((l) => l.startsWith('Scaling ') && !l.includes(' from '));
    assert.deepEqual(steps, [`Scaling ${next} up to 1`, 'Scaling roller down to 1', `Scaling ${next} up to 2`, 'Scaling roller down to 0']);
    assert.match(r.out, new RegExp(`Update succeeded: 2 of 2 pods of ${next} are Ready`));
    assert.ok(minReady >= 2, `2 pods Ready all along (saw ${minReady})`);
    assert.ok(maxLive <= 3, `at most one pod over the 2 wanted (saw ${maxLive})`);
    await eventually('old rc gone', async () => isNotFound(await rcs.get('roller').catch((e: unknown) => e)));
    const all = (await rcs.list()).items.filter((x) => x.metadata.annotations?.[NAME_ANNOTATION] === 'roller');
    assert.equal(all.length, 1);
    assert.equal(all[0].metadata.name, next);
    assert.equal(all[0].spec?.replicas, 2);
    assert.equal(all[0].spec?.template?.spec?.containers[0]?.image, 'busybox:1.36');
    assert.ok(all[0].spec?.selector?.[DEPLOYMENT_LABEL], 'the new selector has the deployment key');
    const ready = await readyPods('name=roller');
    assert.deepEqual(ready.map((p) => p.spec?.containers[0]?.image), ['busybox:1.36', 'busybox:1.36']);
    // The classic name still works after the update.
    const resized = await kc(['resize', 'roller', '1', '-n', cns]);
    assert.equal(resized.code, 0, resized.err);
    assert.equal((await rcs.get(next)).spec?.replicas, 1);
  });

  test('rollingupdate to an image that never becomes Ready fails with exit 1 and rolls back; the old pods serve all along', async () => {
    kubelet.broken.add('busybox:crashes');
    assert.equal((await kc(['run', 'busybox:1.35', '2', 'steady', '-p', '80', '-s', '-n', cns])).code, 0);
    await eventually('2 Ready pods', async () => ((await readyPods('name=steady')).length === 2 ? true : undefined));
    const oldPods = (await readyPods('name=steady')).map((p) => p.metadata.name).sort();
    const oldIPs = (await readyPods('name=steady')).map((p) => p.status?.podIP).sort();
    const endpointIPs = async () => ((await c.client.endpoints(cns).get('steady')).subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
    await eventually('the service serves from both old pods', async () => (JSON.stringify(await endpointIPs()) === JSON.stringify(oldIPs) ? true : undefined));

    const t0 = Date.now();
    const r = await kc(['rollingupdate', 'steady', '--image', 'busybox:crashes', '-u', '20ms', '--timeout', '3s', '-n', cns]);
    const took = Date.now() - t0;
    assert.equal(r.code, 1, r.out);
    assert.doesNotMatch(r.out, /Update succeeded/);
    assert.match(r.out, /Scaling steady-[0-9a-f]{10} up to 1\n/);
    assert.doesNotMatch(r.out, /Scaling steady down/, 'no old pod was given up for a pod that is not Ready');
    assert.match(r.out, /Rolling back: scaling steady up to 2, steady-[0-9a-f]{10} down to 0\n/);
    assert.match(
      r.err,
      /^error: rolling update of steady to busybox:crashes failed: timed out after 3s waiting for 1 Ready pod of steady-[0-9a-f]{10} \(0 Ready; not ready: steady-[0-9a-f]{10}-\w+: steady: CrashLoopBackOff \(back-off 40s restarting failed container=steady pod=steady-[0-9a-f]{10}-\w+\)\); rolled back: steady scaled back to 2, steady-[0-9a-f]{10} deleted\n$/,
    );
    assert.ok(took >= 3000 && took < 20_000, `failed after the timeout (${took} ms)`);
    // The old controller is as it was, the new one gone with its pod; the same old pods still serve.
    const old = await c.client.replicationControllers(cns).get('steady');
    assert.equal(old.spec?.replicas, 2);
    assert.equal(old.metadata.annotations?.['kubecfg.tskube.io/next-controller'], undefined);
    assert.equal((await c.client.replicationControllers(cns).list()).items.filter((x) => x.metadata.name?.startsWith('steady-')).length, 0);
    await eventually('the broken pod is gone', async () => ((await podsNamed('name=steady')).length === 2 ? true : undefined));
    assert.deepEqual((await readyPods('name=steady')).map((p) => p.metadata.name).sort(), oldPods);
    assert.deepEqual(await endpointIPs(), oldIPs);
  });
});
