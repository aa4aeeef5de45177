// apps/v1 as kubectl 1.32 meets it on a real apiserver and etcd (no controllers run, so
// statuses stay as the apiserver sets them): create, get, get all, scale, set image,
// rollout restart, apply twice, server-side dry run, invalid specs, the immutable
// selector, watch, the status and scale subresources, and hostile bodies.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../api/apps.js';
import type { Status } from '../api/meta.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { runKubectl, type KubectlResult } from '../testing/kubectl.js';
import { eventually } from '../testing/wait.js';

let env: ControllerTestEnv;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.stop();
});

function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  return runKubectl(env.kubeconfig, args, { input });
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const apps = (resource: string, name = '') => `/apis/apps/v1/namespaces/${env.ns}/${resource}${name ? `/${name}` : ''}`;

async function getDeploy(name: string): Promise<Deployment> {
  const r = await env.t.req('GET', apps('deployments', name));
  assert.equal(r.status, 200, r.text);
  return r.body as Deployment;
}

const template = (app: string) => `  template:
    metadata:
      labels: {app: ${app}}
    spec:
      containers:
      - name: c
        image: busybox
        command: [sleep, "3600"]
`;

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: applied
spec:
  replicas: 2
  selector:
    matchLabels: {app: applied}
${template('applied')}`;

const STS = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app: db}
${template('db')}  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;

const DS = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
${template('agent')}`;

const RS = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: plain
spec:
  replicas: 2
  selector:
    matchExpressions: [{key: app, operator: In, values: [plain, other]}]
${template('plain')}`;

test('discovery lists the apps resources with their short names, categories and subresources', async () => {
  const out = await ok(['api-resources', '--api-group=apps']);
  for (const [name, short, kind] of [
    ['controllerrevisions', '', 'ControllerRevision'],
    ['daemonsets', 'ds', 'DaemonSet'],
    ['deployments', 'deploy', 'Deployment'],
    ['replicasets', 'rs', 'ReplicaSet'],
    ['statefulsets', 'sts', 'StatefulSet'],
  ]) {
    assert.match(out, new RegExp(`^${name}\\s+${short}\\s+apps/v1\\s+true\\s+${kind}\\s*$`, 'm'), out);
  }
  const list = (await env.t.req('GET', '/apis/apps/v1')).body as { resources: { name: string; kind: string; group?: string; categories?: string[] }[] };
  const names = list.resources.map((r) => r.name);
  for (const n of ['deployments/status', 'deployments/scale', 'replicasets/scale', 'statefulsets/scale', 'daemonsets/status']) assert.ok(names.includes(n), n);
  assert.ok(!names.includes('daemonsets/scale'));
  assert.equal(list.resources.find((r) => r.name === 'deployments/scale')?.group, 'autoscaling');
  assert.deepEqual(list.resources.find((r) => r.name === 'deployments')?.categories, ['all']);
  assert.equal(list.resources.find((r) => r.name === 'controllerrevisions')?.categories, undefined);
  const groups = (await env.t.req('GET', '/apis')).body as { groups: { name: string }[] };
  assert.ok(groups.groups.some((g) => g.name === 'apps'));
  assert.equal((await env.t.req('GET', '/openapi/v3/apis/apps/v1')).status, 200);
});

test('kubectl create deployment: defaults, generation 1, empty status, READY column', async () => {
  assert.match(await ok(['create', 'deployment', 'web', '--image=busybox', '--replicas=2']), /deployment\.apps\/web created/);
  const d = await getDeploy('web');
  assert.equal(d.metadata.generation, 1);
  assert.deepEqual(d.spec?.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec?.revisionHistoryLimit, 10);
  assert.equal(d.spec?.progressDeadlineSeconds, 600);
  assert.equal(d.spec?.replicas, 2);
  assert.deepEqual(d.spec?.selector, { matchLabels: { app: 'web' } });
  const pod = d.spec?.template.spec;
  assert.ok(pod);
  assert.equal(pod.restartPolicy, 'Always');
  assert.equal(pod.dnsPolicy, 'ClusterFirst');
  assert.equal(pod.containers[0].imagePullPolicy, 'Always');
  assert.deepEqual(d.status, {});
  const table = await ok(['get', 'deploy']);
  assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s*$/m);
  assert.match(table, /^web\s+0\/2\s+0\s+0\s+\d+s\s*$/m);
  assert.match(await ok(['get', 'deploy', '-o', 'wide']), /^web\s+0\/2\s+0\s+0\s+\S+\s+busybox\s+busybox\s+app=web\s*$/m);
});

test('kubectl apply of a Deployment, StatefulSet, DaemonSet and ReplicaSet twice: created, then unchanged', async () => {
  for (const [manifest, what] of [
    [DEPLOY, 'deployment.apps/applied'],
    [DS, 'daemonset.apps/agent'],
    [RS, 'replicaset.apps/plain'],
  ]) {
    assert.match(await ok(['apply', '-f', '-'], manifest), new RegExp(`${what} created`));
    assert.match(await ok(['apply', '-f', '-'], manifest), new RegExp(`${what} unchanged`));
  }
  // volumeClaimTemplates is an atomic list and the server defaults inside it (volumeMode,
  // status.phase), so kubectl sends it again and says "configured", as against Kubernetes;
  // the server finds nothing to change.
  assert.match(await ok(['apply', '-f', '-'], STS), /statefulset\.apps\/db created/);
  const stsBefore = (await env.t.req('GET', apps('statefulsets', 'db'))).body as StatefulSet;
  await ok(['apply', '-f', '-'], STS);
  const stsAfter = (await env.t.req('GET', apps('statefulsets', 'db'))).body as StatefulSet;
  assert.equal(stsAfter.metadata.resourceVersion, stsBefore.metadata.resourceVersion);
  assert.equal(stsAfter.metadata.generation, 1);
  assert.equal((await getDeploy('applied')).metadata.generation, 1);
  const sts = (await env.t.req('GET', apps('statefulsets', 'db'))).body as StatefulSet;
  assert.equal(sts.spec?.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.spec?.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(sts.spec?.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(sts.spec?.volumeClaimTemplates?.[0].spec?.volumeMode, 'Filesystem');
  assert.deepEqual(sts.status, { replicas: 0, availableReplicas: 0 });
  const ds = (await env.t.req('GET', apps('daemonsets', 'agent'))).body as DaemonSet;
  assert.deepEqual(ds.spec?.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec?.revisionHistoryLimit, 10);
  // A changed manifest is a change: the generation moves with the spec.
  assert.match(await ok(['apply', '-f', '-'], DEPLOY.replace('replicas: 2', 'replicas: 4')), /deployment\.apps\/applied configured/);
  const d = await getDeploy('applied');
  assert.equal(d.spec?.replicas, 4);
  assert.equal(d.metadata.generation, 2);
  assert.match(await ok(['apply', '--server-side', '-f', '-'], DEPLOY.replace('name: applied', 'name: ssa')), /deployment\.apps\/ssa serverside-applied/);
  assert.match(await ok(['apply', '--server-side', '-f', '-'], DEPLOY.replace('name: applied', 'name: ssa').replace('replicas: 2', 'replicas: 1')), /serverside-applied/);
  assert.equal((await getDeploy('ssa')).spec?.replicas, 1);
  // From client-side to server-side apply (as upstream since 1.19): kubectl takes over the fields
  // its last client-side apply set, so a changed value is no conflict with kubectl-client-side-apply.
  const moved = await kubectl(['apply', '--server-side', '-f', '-'], DEPLOY.replace('replicas: 2', 'replicas: 3'));
  assert.equal(moved.code, 0, moved.stderr);
  assert.match(moved.stdout, /deployment\.apps\/applied serverside-applied/);
  const after = await getDeploy('applied');
  assert.equal(after.spec?.replicas, 3);
  assert.ok(after.metadata.managedFields?.some((m) => m.manager === 'kubectl' && m.operation === 'Apply' && JSON.stringify(m.fieldsV1).includes('f:replicas')), 'kubectl now owns replicas');
  // Another field manager is not kubectl: the same move conflicts.
  const other = await kubectl(['apply', '--server-side', '--field-manager=ci', '-f', '-'], DEPLOY.replace('replicas: 2', 'replicas: 5'));
  assert.notEqual(other.code, 0);
  assert.match(other.stderr, /conflict with "kubectl" using apps\/v1: \.spec\.replicas/);
});

test('kubectl get deploy,rs,ds,sts and get all print kubectl\'s columns', async () => {
  const out = await ok(['get', 'deploy,rs,ds,sts']);
  assert.match(out, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s*$/m);
  assert.match(out, /^deployment\.apps\/web\s+0\/2\s+0\s+0\s+/m);
  assert.match(out, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s*$/m);
  assert.match(out, /^replicaset\.apps\/plain\s+2\s+0\s+0\s+/m);
  assert.match(out, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s*$/m);
  assert.match(out, /^daemonset\.apps\/agent\s+0\s+0\s+0\s+0\s+0\s+<none>\s+/m);
  assert.match(out, /^NAME\s+READY\s+AGE\s*$/m);
  assert.match(out, /^statefulset\.apps\/db\s+0\/1\s+/m);
  assert.match(await ok(['get', 'rs', '-o', 'wide']), /^plain\s+2\s+0\s+0\s+\S+\s+c\s+busybox\s+app in \(other,plain\)\s*$/m);
  const all = await ok(['get', 'all']);
  for (const n of ['deployment.apps/web', 'replicaset.apps/plain', 'daemonset.apps/agent', 'statefulset.apps/db']) assert.ok(all.includes(n), `${n} in:\n${all}`);
  assert.ok(!all.includes('controllerrevision'), all);
});

test('kubectl scale goes through the Scale subresource; its selector is the label selector string', async () => {
  assert.match(await ok(['scale', 'deployment', 'web', '--replicas=3']), /deployment\.apps\/web scaled/);
  const d = await getDeploy('web');
  assert.equal(d.spec?.replicas, 3);
  assert.equal(d.metadata.generation, 2);
  const scale = (await env.t.req('GET', apps('deployments', 'web/scale'))).body as { kind: string; apiVersion: string; spec: { replicas: number }; status: { selector: string } };
  assert.deepEqual([scale.apiVersion, scale.kind, scale.spec.replicas, scale.status.selector], ['autoscaling/v1', 'Scale', 3, 'app=web']);
  const rsScale = (await env.t.req('GET', apps('replicasets', 'plain/scale'))).body as { status: { selector: string } };
  assert.equal(rsScale.status.selector, 'app in (other,plain)');
  assert.match(await ok(['scale', 'sts', 'db', '--replicas=2']), /statefulset\.apps\/db scaled/);
  assert.equal(((await env.t.req('GET', apps('statefulsets', 'db'))).body as StatefulSet).spec?.replicas, 2);
  assert.match(await ok(['scale', 'rs', 'plain', '--replicas=0']), /replicaset\.apps\/plain scaled/);
  assert.equal(((await env.t.req('GET', apps('replicasets', 'plain'))).body as ReplicaSet).spec?.replicas, 0);
  assert.equal((await env.t.req('GET', apps('daemonsets', 'agent/scale'))).status, 404);
  const bad = await env.t.req('PUT', apps('deployments', 'web/scale'), { ...scale, spec: { replicas: -1 } });
  assert.ok(bad.status >= 400 && bad.status < 500, bad.text);
  assert.equal((await getDeploy('web')).spec?.replicas, 3);
});

test('kubectl set image and rollout restart patch the template strategically and bump the generation', async () => {
  const before = await getDeploy('web');
  assert.match(await ok(['set', 'image', 'deployment/web', 'busybox=busybox:1.36']), /deployment\.apps\/web image updated/);
  let d = await getDeploy('web');
  assert.equal(d.spec?.template.spec?.containers[0].image, 'busybox:1.36');
  assert.equal(d.spec?.template.spec?.containers.length, 1);
  assert.equal(d.metadata.generation, before.metadata.generation! + 1);
  assert.match(await ok(['rollout', 'restart', 'deployment/web']), /deployment\.apps\/web restarted/);
  d = await getDeploy('web');
  assert.ok(d.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
  assert.equal(d.spec?.template.spec?.containers[0].image, 'busybox:1.36');
  assert.equal(d.metadata.generation, before.metadata.generation! + 2);
  // A Deployment's annotations bump its generation too (upstream copies them to its ReplicaSets).
  await ok(['annotate', 'deployment/web', 'note=x']);
  assert.equal((await getDeploy('web')).metadata.generation, before.metadata.generation! + 3);
  await ok(['label', 'deployment/web', 'tier=front']);
  assert.equal((await getDeploy('web')).metadata.generation, before.metadata.generation! + 3);
});

test('kubectl create --dry-run=server answers without storing', async () => {
  assert.match(await ok(['create', 'deployment', 'dry', '--image=busybox', '--dry-run=server']), /deployment\.apps\/dry created \(server dry run\)/);
  assert.equal((await env.t.req('GET', apps('deployments', 'dry'))).status, 404);
});

test('an invalid spec is a 422 with upstream\'s field causes, and nothing is stored', async () => {
  const bad = DEPLOY.replace('name: applied', 'name: bad').replace('replicas: 2', 'replicas: -1').replace('labels: {app: applied}', 'labels: {app: other}');
  const r = await kubectl(['apply', '-f', '-'], bad);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /The Deployment "bad" is invalid/);
  assert.match(r.stderr, /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
  assert.match(r.stderr, /spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"other"\}: `selector` does not match template `labels`/);
  assert.equal((await env.t.req('GET', apps('deployments', 'bad'))).status, 404);

  const res = await env.t.req('POST', apps('deployments'), {
    metadata: { name: 'bad2' },
    spec: {
      selector: { matchLabels: {} },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
      progressDeadlineSeconds: 5,
      minReadySeconds: 10,
      template: { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
    },
  });
  assert.equal(res.status, 422, res.text);
  const st = res.body as Status;
  assert.equal(st.reason, 'Invalid');
  assert.equal(st.details?.group, 'apps');
  assert.equal(st.details?.kind, 'Deployment');
  const causes = (st.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  for (const want of [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
    'spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds',
  ]) {
    assert.ok(causes.includes(want), `${want} in ${JSON.stringify(causes, null, 1)}`);
  }
  assert.equal((await env.t.req('GET', apps('deployments', 'bad2'))).status, 404);
  const noSel = await env.t.req('POST', apps('statefulsets'), { metadata: { name: 'nosel' }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
  assert.equal(noSel.status, 422, noSel.text);
  assert.match((noSel.body as Status).message ?? "", /spec\.selector: Required value/);
});

test('the selector is immutable; a StatefulSet allows only its mutable fields to change', async () => {
  const r = await kubectl(['patch', 'deployment', 'web', '-p', '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"x"\}, MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: field is immutable/);
  assert.deepEqual((await getDeploy('web')).spec?.selector, { matchLabels: { app: 'web' } });
  const s = await kubectl(['patch', 'sts', 'db', '-p', '{"spec":{"serviceName":"other"}}']);
  assert.notEqual(s.code, 0);
  assert.match(s.stderr, /spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/);
  await ok(['patch', 'sts', 'db', '-p', '{"spec":{"minReadySeconds":3}}']);
});

test('status writes go through the status subresource: spec ignored there, generation unchanged, validated', async () => {
  const d = await getDeploy('web');
  const put = await env.t.req('PUT', apps('deployments', 'web/status'), {
    ...d,
    spec: { ...d.spec, replicas: 9 },
    status: { observedGeneration: d.metadata.generation, replicas: 3, readyReplicas: 2, availableReplicas: 1, updatedReplicas: 3 },
  });
  assert.equal(put.status, 200, put.text);
  let now = await getDeploy('web');
  assert.equal(now.spec?.replicas, d.spec?.replicas);
  assert.equal(now.metadata.generation, d.metadata.generation);
  assert.equal(now.status?.readyReplicas, 2);
  assert.match(await ok(['get', 'deploy', 'web']), /^web\s+2\/3\s+3\s+1\s+/m);
  // A write to the main resource keeps the stored status.
  await ok(['patch', 'deployment', 'web', '--type=merge', '-p', '{"status":{"readyReplicas":0}}']);
  now = await getDeploy('web');
  assert.equal(now.status?.readyReplicas, 2);
  const bad = await env.t.req('PATCH', apps('deployments', 'web/status'), { status: { availableReplicas: 3, readyReplicas: 2 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(bad.status, 422, bad.text);
  assert.match((bad.body as Status).message ?? "", /status\.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas/);
});

test('kubectl get deployments --watch sees a scale as it happens', async () => {
  const w = spawn('/usr/bin/kubectl', ['--kubeconfig', env.kubeconfig, 'get', 'deployments', '--watch', '--output-watch-events', '-o', 'custom-columns=EVENT:.type,NAME:.object.metadata.name,REPLICAS:.object.spec.replicas']);
  let out = '';
  w.stdout.on('data', (b: Buffer) => (out += b.toString()));
  try {
    await eventually('the initial ADDED events', () => (/ADDED\s+web\s/.test(out) ? true : undefined), 20_000);
    await ok(['scale', 'deployment', 'applied', '--replicas=5']);
    await eventually('the MODIFIED event of the scale', () => (/MODIFIED\s+applied\s+5/.test(out) ? true : undefined), 20_000);
  } finally {
    w.kill();
  }
});

test('hostile bodies: __proto__ keys are data, out-of-range numbers are refused, nothing else changes', async () => {
  const proto = `{"metadata":{"name":"proto"},"spec":{"selector":{"matchLabels":{"__proto__":"x"}},"template":{"metadata":{"labels":{"__proto__":"x","app":"x"}},"spec":{"containers":[{"name":"c","image":"i","__proto__":{"image":"evil"}}]}}}}`;
  const r = await env.t.req('POST', apps('deployments'), proto);
  // "__proto__" is an own key like any other: not a valid label key, so the selector is refused
  // (and, as upstream, the template is not checked against a selector that does not convert).
  assert.equal(r.status, 422, r.text);
  assert.match((r.body as Status).message ?? '', /spec\.selector\.matchLabels: Invalid value: "__proto__"/);
  assert.match((r.body as Status).message ?? '', /MatchLabels:map\[string\]string\{"__proto__":"x"\}.*: invalid label selector/);
  const inTemplate = await env.t.req('POST', apps('deployments'), proto.replace('"matchLabels":{"__proto__":"x"}', '"matchLabels":{"app":"x"}'));
  assert.equal(inTemplate.status, 422, inTemplate.text);
  assert.match((inTemplate.body as Status).message ?? '', /spec\.template\.metadata\.labels: Invalid value: "__proto__"/);
  assert.equal(({} as Record<string, unknown>).image, undefined);
  assert.equal((await env.t.req('GET', apps('deployments', 'proto'))).status, 404);
  // As a container field it is an unknown field: Strict decoding names it.
  const strict = await env.t.req('POST', `${apps('deployments')}?fieldValidation=Strict`, proto.replace('"matchLabels":{"__proto__":"x"}', '"matchLabels":{"app":"x"}').replace('"__proto__":"x",', ''));
  assert.equal(strict.status, 400, strict.text);
  assert.match((strict.body as Status).message ?? '', /unknown field "spec\.template\.spec\.containers\[0\]\.__proto__"/);
  const huge = await env.t.req('POST', apps('deployments'), `{"metadata":{"name":"huge"},"spec":{"replicas":9007199254740992,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`);
  assert.equal(huge.status, 400, huge.text);
  assert.match((huge.body as Status).message ?? "", /cannot unmarshal number 9007199254740992 into Go struct field DeploymentSpec\.spec\.replicas of type int32/);
  assert.equal((await env.t.req('GET', apps('deployments', 'huge'))).status, 404);
  const strat = await env.t.req('POST', apps('deployments'), `{"metadata":{"name":"strat"},"spec":{"strategy":{"rollingUpdate":{"maxSurge":"1e999%"}},"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`);
  assert.equal(strat.status, 422, strat.text);
  const scale = await env.t.req('PUT', apps('deployments', 'web/scale'), `{"metadata":{"name":"web"},"spec":{"replicas":1e300}}`);
  assert.ok(scale.status === 400 || scale.status === 422, scale.text);
  assert.equal((await getDeploy('web')).spec?.replicas, 3);
  assert.equal((await env.t.req('GET', '/readyz')).status, 200);
});

test('ControllerRevisions: created with their owner, listed with CONTROLLER and REVISION, data immutable', async () => {
  const ds = (await env.t.req('GET', apps('daemonsets', 'agent'))).body as DaemonSet;
  const cr = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: 'agent-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true }] },
    data: { spec: { template: { metadata: { labels: { app: 'agent' } } } } },
    revision: 1,
  };
  const created = await env.t.req('POST', apps('controllerrevisions'), cr);
  assert.equal(created.status, 201, created.text);
  assert.match(await ok(['get', 'controllerrevisions']), /^agent-1\s+daemonset\.apps\/agent\s+1\s+\d+s\s*$/m);
  const changed = await env.t.req('PATCH', apps('controllerrevisions', 'agent-1'), { data: { other: 1 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(changed.status, 422, changed.text);
  assert.match((changed.body as Status).message ?? '', /data: Invalid value: .*: field is immutable/);
  const noData = await env.t.req('POST', apps('controllerrevisions'), { metadata: { name: 'empty' }, revision: 1 });
  assert.equal(noData.status, 422, noData.text);
  assert.match((noData.body as Status).message ?? '', /data: Required value: data is mandatory/);
});
