import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObjectMetaUpdate, invalidStatus } from './validation.js';
import { applyDefaults, validate, validateStatusUpdate } from './kinds.js';
import type { KubeObject, StatusCause } from './meta.js';
import type { Pod, PodSpec, ReplicationController, ReplicationControllerSpec, PodTemplateSpec, Service, ServiceSpec, Node, Endpoints, Event, ConfigMap, Secret } from './core.js';

const clone = <T>(x: T): T => structuredClone(x);

/** A pod as the cases below change it: spec present (values that types forbid go in with Object.assign). */
interface TestPod extends Pod {
  spec: PodSpec;
  [k: string]: unknown;
}
interface TestRC extends ReplicationController {
  spec: ReplicationControllerSpec & { template: PodTemplateSpec & { spec: PodSpec } };
  [k: string]: unknown;
}
interface TestService extends Service {
  spec: ServiceSpec;
  [k: string]: unknown;
}

function pod(mut?: (p: TestPod) => void): KubeObject {
  const p: KubeObject = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80, name: 'http' }] }] },
  };
  applyDefaults('Pod', p);
  mut?.(p as TestPod);
  return p;
}

const has = (errs: StatusCause[], field: string, reason: string): boolean => errs.some((e) => e.field === field && e.reason === reason);
function expectErr(errs: StatusCause[], field: string, reason: string): void {
  assert.ok(has(errs, field, reason), `expected ${reason} at ${field}, got ${JSON.stringify(errs, null, 1)}`);
}

test('a valid defaulted pod has no errors', () => {
  assert.deepEqual(validate('Pod', pod()), []);
});

test('pod field errors (table)', () => {
  const cases: [string, (p: TestPod) => void, string, string][] = [
    ['bad name', (p) => (p.metadata.name = 'Web_1'), 'metadata.name', 'FieldValueInvalid'],
    ['no name', (p) => delete p.metadata.name, 'metadata.name', 'FieldValueRequired'],
    ['no namespace', (p) => delete p.metadata.namespace, 'metadata.namespace', 'FieldValueRequired'],
    ['bad label key', (p) => (p.metadata.labels = { 'a/b/c': 'x' }), 'metadata.labels', 'FieldValueInvalid'],
    ['bad label value', (p) => (p.metadata.labels = { a: '-x' }), 'metadata.labels', 'FieldValueInvalid'],
    ['long label value', (p) => (p.metadata.labels = { a: 'x'.repeat(64) }), 'metadata.labels', 'FieldValueInvalid'],
    ['huge annotations', (p) => (p.metadata.annotations = { a: 'x'.repeat(300000) }), 'metadata.annotations', 'FieldValueTooLong'],
    ['no containers', (p) => (p.spec.containers = []), 'spec.containers', 'FieldValueRequired'],
    ['no image', (p) => delete p.spec.containers[0].image, 'spec.containers[0].image', 'FieldValueRequired'],
    ['bad container name', (p) => (p.spec.containers[0].name = 'C'), 'spec.containers[0].name', 'FieldValueInvalid'],
    ['dup container', (p) => p.spec.containers.push({ ...clone(p.spec.containers[0]), ports: [] }), 'spec.containers[1].name', 'FieldValueDuplicate'],
    ['dup with init', (p) => (p.spec.initContainers = [{ ...clone(p.spec.containers[0]), ports: [] }]), 'spec.containers[0].name', 'FieldValueDuplicate'],
    ['port 0', (p) => (p.spec.containers[0].ports![0].containerPort = 70000), 'spec.containers[0].ports[0].containerPort', 'FieldValueInvalid'],
    ['bad protocol', (p) => Object.assign(p.spec.containers[0].ports![0], { protocol: 'ICMP' }), 'spec.containers[0].ports[0].protocol', 'FieldValueNotSupported'],
    ['bad port name', (p) => (p.spec.containers[0].ports![0].name = 'http--x'), 'spec.containers[0].ports[0].name', 'FieldValueInvalid'],
    ['pull policy', (p) => Object.assign(p.spec.containers[0], { imagePullPolicy: 'Sometimes' }), 'spec.containers[0].imagePullPolicy', 'FieldValueNotSupported'],
    ['restart policy', (p) => Object.assign(p.spec, { restartPolicy: 'Maybe' }), 'spec.restartPolicy', 'FieldValueNotSupported'],
    ['dns policy', (p) => Object.assign(p.spec, { dnsPolicy: 'Foo' }), 'spec.dnsPolicy', 'FieldValueNotSupported'],
    ['dns nameservers > 3', (p) => (p.spec.dnsConfig = { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'] }), 'spec.dnsConfig.nameservers', 'FieldValueInvalid'],
    ['dns nameserver not an IP', (p) => (p.spec.dnsConfig = { nameservers: ['dns.example'] }), 'spec.dnsConfig.nameservers[0]', 'FieldValueInvalid'],
    ['dns searches > 32', (p) => (p.spec.dnsConfig = { searches: Array.from({ length: 33 }, (_, i) => `d${i}.example`) }), 'spec.dnsConfig.searches', 'FieldValueInvalid'],
    ['dns search not a domain', (p) => (p.spec.dnsConfig = { searches: ['Bad_Domain'] }), 'spec.dnsConfig.searches[0]', 'FieldValueInvalid'],
    ['dns option without name', (p) => (p.spec.dnsConfig = { options: [{ name: '' }] }), 'spec.dnsConfig.options[0]', 'FieldValueRequired'],
    ['dns None without nameservers', (p) => Object.assign(p.spec, { dnsPolicy: 'None', dnsConfig: { searches: ['a.example'] } }), 'spec.dnsConfig.nameservers', 'FieldValueRequired'],
    ['env name', (p) => (p.spec.containers[0].env = [{ name: '1X' }]), 'spec.containers[0].env[0].name', 'FieldValueInvalid'],
    ['env two sources', (p) => (p.spec.containers[0].env = [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.name' }, secretKeyRef: { name: 's', key: 'k' } } }]), 'spec.containers[0].env[0].valueFrom', 'FieldValueInvalid'],
    ['env bad fieldRef', (p) => (p.spec.containers[0].env = [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }]), 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath', 'FieldValueNotSupported'],
    ['mount unknown volume', (p) => (p.spec.containers[0].volumeMounts = [{ name: 'nope', mountPath: '/x' }]), 'spec.containers[0].volumeMounts[0].name', 'FieldValueNotFound'],
    ['volume two types', (p) => (p.spec.volumes = [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }]), 'spec.volumes[0]', 'FieldValueForbidden'],
    ['volume dup', (p) => (p.spec.volumes = [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }]), 'spec.volumes[1].name', 'FieldValueDuplicate'],
    ['probe without handler', (p) => (p.spec.containers[0].livenessProbe = { periodSeconds: 1 }), 'spec.containers[0].livenessProbe', 'FieldValueRequired'],
    ['probe two handlers', (p) => (p.spec.containers[0].readinessProbe = { exec: { command: ['x'] }, tcpSocket: { port: 80 } }), 'spec.containers[0].readinessProbe', 'FieldValueForbidden'],
    ['liveness success 2', (p) => (p.spec.containers[0].livenessProbe = { exec: { command: ['x'] }, successThreshold: 2 }), 'spec.containers[0].livenessProbe.successThreshold', 'FieldValueInvalid'],
    ['probe port', (p) => (p.spec.containers[0].livenessProbe = { httpGet: { port: 0 } }), 'spec.containers[0].livenessProbe.httpGet.port', 'FieldValueInvalid'],
    ['requests > limits', (p) => (p.spec.containers[0].resources = { limits: { cpu: '100m' }, requests: { cpu: '1' } }), 'spec.containers[0].resources.requests', 'FieldValueInvalid'],
    ['bad quantity', (p) => (p.spec.containers[0].resources = { limits: { memory: '1 GB' } }), 'spec.containers[0].resources.limits[memory]', 'FieldValueInvalid'],
    ['toleration exists+value', (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]), 'spec.tolerations[0].operator', 'FieldValueInvalid'],
    ['toleration seconds without NoExecute', (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]), 'spec.tolerations[0].effect', 'FieldValueInvalid'],
    ['affinity no terms', (p) => (p.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }), 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms', 'FieldValueRequired'],
    ['affinity In without values', (p) => (p.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }] } } }), 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', 'FieldValueRequired'],
    ['hostNetwork port mismatch', (p) => { p.spec.hostNetwork = true; p.spec.containers[0].ports![0].hostPort = 8080; }, 'spec.containers[0].ports[0].hostPort', 'FieldValueInvalid'],
    ['dup hostPort', (p) => p.spec.containers.push({ name: 'd', image: 'x', ports: [{ containerPort: 81, hostPort: 9000, protocol: 'TCP' }] }) && (p.spec.containers[0].ports![0].hostPort = 9000), 'spec.containers[1].ports[0].hostPort', 'FieldValueDuplicate'],
    ['bad nodeName', (p) => (p.spec.nodeName = 'Node_1'), 'spec.nodeName', 'FieldValueInvalid'],
    ['activeDeadline 0', (p) => (p.spec.activeDeadlineSeconds = 0), 'spec.activeDeadlineSeconds', 'FieldValueInvalid'],
  ];
  for (const [name, mut, field, reason] of cases) {
    const errs = validate('Pod', pod(mut));
    assert.ok(has(errs, field, reason), `${name}: expected ${reason} at ${field}, got ${JSON.stringify(errs)}`);
  }
});

test('messages follow Kubernetes wording', () => {
  const errs = validate('Pod', pod((p) => (p.metadata.name = 'Bad.Name')));
  const e = errs.find((x) => x.field === 'metadata.name')!;
  assert.equal(
    e.message,
    `Invalid value: "Bad.Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
  const np = validate('Pod', pod((p) => Object.assign(p.spec, { restartPolicy: 'X' }))).find((x) => x.field === 'spec.restartPolicy')!;
  assert.equal(np.message, 'Unsupported value: "X": supported values: "Always", "Never", "OnFailure"');
  const st = invalidStatus('Pod', 'Bad.Name', errs);
  assert.equal(st.code, 422);
  assert.equal(st.reason, 'Invalid');
  assert.ok(st.message!.startsWith('Pod "Bad.Name" is invalid: metadata.name: Invalid value: "Bad.Name": a lowercase RFC 1123'));
  const two = invalidStatus('Pod', 'x', [{ field: 'a', message: 'Required value' }, { field: 'b', message: 'Required value' }]);
  assert.equal(two.message, 'Pod "x" is invalid: [a: Required value, b: Required value]');
});

test('pod update: only image, activeDeadlineSeconds and added tolerations may change', () => {
  const old = pod((p) => (p.metadata.uid = 'u1'));
  const ok = clone(old) as TestPod;
  ok.spec.containers[0].image = 'busybox:2';
  ok.spec.tolerations = [{ key: 'k', operator: 'Exists' }];
  ok.metadata.labels = { app: 'other' };
  assert.deepEqual(validate('Pod', ok, old), []);
  const bad = clone(old) as TestPod;
  bad.spec.containers[0].command = ['sh'];
  const errs = validate('Pod', bad, old);
  expectErr(errs, 'spec', 'FieldValueForbidden');
  assert.match(errs[0].message!, /pod updates may not change fields other than/);
  const rename = clone(old) as TestPod;
  rename.metadata.name = 'other';
  expectErr(validate('Pod', rename, old), 'metadata.name', 'FieldValueInvalid');
  const uid = clone(old) as TestPod;
  uid.metadata.uid = 'u2';
  expectErr(validate('Pod', uid, old), 'metadata.uid', 'FieldValueInvalid');
  const withTol = clone(ok);
  const dropTol = clone(withTol);
  dropTol.spec.tolerations = [];
  expectErr(validate('Pod', dropTol, withTol), 'spec.tolerations', 'FieldValueForbidden');
  const ad = pod((p) => (p.spec.activeDeadlineSeconds = 10));
  const adUp = clone(ad) as TestPod;
  adUp.spec.activeDeadlineSeconds = 20;
  expectErr(validate('Pod', adUp, ad), 'spec.activeDeadlineSeconds', 'FieldValueInvalid');
  const adDown = clone(ad) as TestPod;
  adDown.spec.activeDeadlineSeconds = 5;
  assert.deepEqual(validate('Pod', adDown, ad), []);
});

test('pod status update', () => {
  const old = pod();
  const next = clone(old) as TestPod;
  next.status = { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], hostIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] };
  assert.deepEqual(validateStatusUpdate('Pod', next, old), []);
  Object.assign(next.status, { phase: 'Dancing', podIP: '10.244.0.999' });
  const errs = validateStatusUpdate('Pod', next, old);
  expectErr(errs, 'status.phase', 'FieldValueNotSupported');
  expectErr(errs, 'status.podIP', 'FieldValueInvalid');
});

test('metadata update rules', () => {
  const old = { name: 'a', namespace: 'n', uid: 'u', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['x/y'] };
  const errs = validateObjectMetaUpdate({ ...old, finalizers: ['x/y', 'x/z'] }, old);
  expectErr(errs, 'metadata.finalizers', 'FieldValueForbidden');
  assert.deepEqual(validateObjectMetaUpdate({ ...old, finalizers: [] }, old), []);
  expectErr(validateObjectMetaUpdate({ ...old, deletionTimestamp: undefined }, old), 'metadata.deletionTimestamp', 'FieldValueInvalid');
});

test('replication controller', () => {
  const rc = (mut?: (r: TestRC) => void): KubeObject => {
    const r: TestRC = {
      metadata: { name: 'rc', namespace: 'default' },
      spec: { replicas: 2, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    };
    applyDefaults('ReplicationController', r);
    mut?.(r);
    return r;
  };
  assert.deepEqual(validate('ReplicationController', rc()), []);
  expectErr(validate('ReplicationController', rc((r) => (r.spec.selector = { app: 'y' }))), 'spec.template.metadata.labels', 'FieldValueInvalid');
  expectErr(validate('ReplicationController', rc((r) => (r.spec.replicas = -1))), 'spec.replicas', 'FieldValueInvalid');
  expectErr(validate('ReplicationController', rc((r) => (r.spec.template.spec.restartPolicy = 'Never'))), 'spec.template.spec.restartPolicy', 'FieldValueNotSupported');
  expectErr(validate('ReplicationController', rc((r) => (r.spec.template.spec.containers = []))), 'spec.template.spec.containers', 'FieldValueRequired');
  expectErr(validate('ReplicationController', rc((r) => { const spec: ReplicationControllerSpec = r.spec; delete spec.template; })), 'spec.template', 'FieldValueRequired');
});

test('service', () => {
  const svc = (mut?: (s: TestService) => void): KubeObject => {
    const s: TestService = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
    mut?.(s);
    applyDefaults('Service', s);
    return s;
  };
  assert.deepEqual(validate('Service', svc()), []);
  expectErr(validate('Service', svc((s) => (s.metadata.name = '1web'))), 'metadata.name', 'FieldValueInvalid');
  expectErr(validate('Service', svc((s) => (s.spec.ports = []))), 'spec.ports', 'FieldValueRequired');
  expectErr(validate('Service', svc((s) => s.spec.ports!.push({ port: 81 }))), 'spec.ports[0].name', 'FieldValueRequired');
  expectErr(validate('Service', svc((s) => (s.spec.ports = [{ name: 'a', port: 80 }, { name: 'a', port: 81 }]))), 'spec.ports[1].name', 'FieldValueDuplicate');
  expectErr(validate('Service', svc((s) => (s.spec.ports = [{ name: 'a', port: 80 }, { name: 'b', port: 80 }]))), 'spec.ports[1]', 'FieldValueDuplicate');
  expectErr(validate('Service', svc((s) => (s.spec.ports![0].port = 0))), 'spec.ports[0].port', 'FieldValueInvalid');
  expectErr(validate('Service', svc((s) => (s.spec.ports![0].nodePort = 30001))), 'spec.ports[0].nodePort', 'FieldValueForbidden');
  assert.deepEqual(validate('Service', svc((s) => { s.spec.type = 'NodePort'; s.spec.ports![0].nodePort = 30001; })), []);
  expectErr(validate('Service', svc((s) => Object.assign(s.spec, { type: 'Weird' }))), 'spec.type', 'FieldValueNotSupported');
  expectErr(validate('Service', svc((s) => (s.spec.clusterIP = '10.96.0.300'))), 'spec.clusterIP', 'FieldValueInvalid');
  expectErr(validate('Service', svc((s) => (s.spec.externalTrafficPolicy = 'Local'))), 'spec.externalTrafficPolicy', 'FieldValueInvalid');
  expectErr(validate('Service', svc((s) => (s.spec.ports![0].targetPort = 'not_valid'))), 'spec.ports[0].targetPort', 'FieldValueInvalid');
  const old = svc((s) => (s.spec.clusterIP = '10.96.0.10'));
  const changed = clone(old) as TestService;
  changed.spec.clusterIP = '10.96.0.11';
  changed.spec.clusterIPs = ['10.96.0.11'];
  expectErr(validate('Service', changed, old), 'spec.clusterIP', 'FieldValueInvalid');
  const same = clone(old) as TestService;
  same.spec.selector = { app: 'other' };
  assert.deepEqual(validate('Service', same, old), []);
});

test('namespace, node, endpoints, events, bindings, configmaps, secrets, leases', () => {
  const ns = applyDefaults('Namespace', { metadata: { name: 'team-a' } });
  assert.deepEqual(validate('Namespace', ns), []);
  expectErr(validate('Namespace', { metadata: { name: 'team.a' } }), 'metadata.name', 'FieldValueInvalid');
  expectErr(validate('Namespace', { metadata: { name: 'a', namespace: 'b' } }), 'metadata.namespace', 'FieldValueForbidden');

  const node: Node & KubeObject = { metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'k', effect: 'NoSchedule' }] } };
  assert.deepEqual(validate('Node', node), []);
  expectErr(validate('Node', { metadata: { name: 'n' }, spec: { podCIDR: '10.244.1.0/33' } }), 'spec.podCIDR', 'FieldValueInvalid');
  expectErr(validate('Node', { metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }), 'spec.taints[0].effect', 'FieldValueNotSupported');
  expectErr(validate('Node', { metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }, { key: 'k', effect: 'NoSchedule' }] } }), 'spec.taints[1]', 'FieldValueDuplicate');
  const node2 = clone(node);
  node2.spec!.podCIDR = '10.244.2.0/24';
  expectErr(validate('Node', node2, node), 'spec.podCIDR', 'FieldValueForbidden');

  const ep: Endpoints & KubeObject = { metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 80, protocol: 'TCP' }] }] };
  assert.deepEqual(validate('Endpoints', ep), []);
  ep.subsets![0].addresses![0].ip = 'nope';
  expectErr(validate('Endpoints', ep), 'subsets[0].addresses[0].ip', 'FieldValueInvalid');

  const ev: Event & KubeObject = { metadata: { name: 'e.1', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' }, type: 'Normal' };
  expectErr(validate('Event', ev), 'involvedObject.namespace', 'FieldValueInvalid');
  ev.involvedObject.namespace = 'default';
  assert.deepEqual(validate('Event', ev), []);

  expectErr(validate('Binding', { metadata: { name: 'p', namespace: 'default' }, target: { kind: 'Pod', name: 'n' } }), 'target.kind', 'FieldValueNotSupported');
  expectErr(validate('Binding', { metadata: { name: 'p', namespace: 'default' }, target: {} }), 'target.name', 'FieldValueRequired');
  assert.deepEqual(validate('Binding', { metadata: { name: 'p', namespace: 'default' }, target: { kind: 'Node', name: 'node-1' } }), []);

  expectErr(validate('ConfigMap', { metadata: { name: 'c', namespace: 'd' }, data: { 'a b': 'x' } }), 'data', 'FieldValueInvalid');
  expectErr(validate('ConfigMap', { metadata: { name: 'c', namespace: 'd' }, data: { k: 'x'.repeat(1024 * 1024 + 1) } }), '', 'FieldValueTooLong');
  const cm: ConfigMap & KubeObject = { metadata: { name: 'c', namespace: 'd' }, immutable: true, data: { a: '1' } };
  const cm2 = clone(cm);
  cm2.data!.a = '2';
  expectErr(validate('ConfigMap', cm2, cm), 'data', 'FieldValueForbidden');

  expectErr(validate('Secret', { metadata: { name: 's', namespace: 'd' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'YQ==' } }), 'data[tls.key]', 'FieldValueRequired');
  expectErr(validate('Secret', { metadata: { name: 's', namespace: 'd' }, data: { a: '!!!' } }), 'data[a]', 'FieldValueInvalid');
  const sec: Secret & KubeObject = { metadata: { name: 's', namespace: 'd' }, type: 'Opaque', data: { a: 'YQ==' } };
  assert.deepEqual(validate('Secret', sec), []);
  expectErr(validate('Secret', { ...sec, type: 'foo/bar' }, sec), 'type', 'FieldValueInvalid');

  expectErr(validate('Lease', { metadata: { name: 'l', namespace: 'd' }, spec: { leaseDurationSeconds: 0 } }), 'spec.leaseDurationSeconds', 'FieldValueInvalid');
  assert.deepEqual(validate('Lease', { metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } }), []);
});

test('generateName without name is accepted and validated as a prefix', () => {
  assert.deepEqual(validate('Pod', pod((p) => { delete p.metadata.name; p.metadata.generateName = 'web-'; })), []);
  expectErr(validate('Pod', pod((p) => { delete p.metadata.name; p.metadata.generateName = 'Web-'; })), 'metadata.generateName', 'FieldValueInvalid');
});

test('qualified names: prefix and name parts', async () => {
  const { isQualifiedName } = await import('./names.js');
  assert.deepEqual(isQualifiedName('example.com/MyName'), []);
  assert.deepEqual(isQualifiedName('a'), []);
  assert.deepEqual(isQualifiedName('/b'), ['prefix part must be non-empty']);
  assert.match(isQualifiedName('a/')[0], /^name part must be non-empty$/);
  assert.match(isQualifiedName('Bad_Prefix/x')[0], /^prefix part a lowercase RFC 1123 subdomain/);
  assert.equal(isQualifiedName('a/b/c').length, 1);
  assert.match(isQualifiedName('a/b/c')[0], /^a qualified name must consist of/);
  assert.throws(() => isQualifiedName(5 as unknown as string), /split is not a function/);
});
