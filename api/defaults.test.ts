import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPullPolicy, computeQOSClass, parseQuantityLoose } from './defaults.js';
import { applyDefaults } from './kinds.js';
import type { KubeObject } from './meta.js';
import type { Pod, PodSpec, ResourceRequirements, Service, ReplicationController, Namespace, Node, Secret } from './core.js';

const clone = <T>(x: T): T => structuredClone(x);

function pod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          ports: [{ containerPort: 80 }],
          env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 3 },
          lifecycle: { preStop: { httpGet: { port: 'http' } } },
        },
      ],
      initContainers: [{ name: 'i', image: 'busybox:1.36' }],
      volumes: [{ name: 'v' }, { name: 'cm', configMap: { name: 'x' } }, { name: 'h', hostPath: { path: '/tmp' } }],
    },
  };
}

test('pod defaults', () => {
  const p = applyDefaults('Pod', pod()) as unknown as Pod;
  const s = p.spec!;
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.deepEqual(s.securityContext, {});
  assert.equal(s.enableServiceLinks, true);
  assert.equal(s.serviceAccountName, 'default');
  const c = s.containers[0];
  assert.equal(c.imagePullPolicy, 'Always');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports![0].protocol, 'TCP');
  assert.equal(c.env![0].valueFrom!.fieldRef!.apiVersion, 'v1');
  assert.deepEqual(c.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3,
  });
  assert.equal(c.readinessProbe!.periodSeconds, 3);
  assert.equal(c.lifecycle!.preStop!.httpGet!.path, '/');
  assert.equal(s.initContainers![0].imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(s.volumes![0], { name: 'v', emptyDir: {} });
  assert.equal(s.volumes![1].configMap!.defaultMode, 420);
  assert.equal(s.volumes![2].hostPath!.type, '');
  assert.equal(p.status!.phase, 'Pending');
  assert.equal(p.status!.qosClass, 'BestEffort');
});

test('defaults are idempotent for every kind', () => {
  const objs: [string, KubeObject][] = [
    ['Pod', pod()],
    ['Service', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }], selector: { a: 'b' }, type: 'NodePort', sessionAffinity: 'ClientIP' } }],
    ['ReplicationController', { metadata: { name: 'r' }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } }],
    ['Namespace', { metadata: { name: 'n' } }],
    ['Node', { metadata: { name: 'n' }, status: { capacity: { cpu: '2' } } }],
    ['Secret', { metadata: { name: 's' } }],
    ['Endpoints', { metadata: { name: 'e' }, subsets: [{ ports: [{ port: 1 }] }] }],
  ];
  for (const [kind, o] of objs) {
    const once = applyDefaults(kind, clone(o));
    const twice = applyDefaults(kind, clone(once));
    assert.deepEqual(twice, once, kind);
    assert.notDeepEqual(once, o, `${kind} got some default`);
  }
});

test('image pull policy', () => {
  const cases: [string, string][] = [
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['busybox:1.36', 'IfNotPresent'],
    ['localhost:5000/busybox', 'Always'],
    ['localhost:5000/busybox:v1', 'IfNotPresent'],
    ['localhost:5000/busybox:latest', 'Always'],
    ['busybox@sha256:abcd', 'IfNotPresent'],
  ];
  for (const [img, want] of cases) assert.equal(defaultPullPolicy(img), want, img);
  const p = pod();
  (p.spec as PodSpec).containers[0].imagePullPolicy = 'Never';
  assert.equal((applyDefaults('Pod', p).spec as PodSpec).containers[0].imagePullPolicy, 'Never');
});

test('service defaults', () => {
  const s = applyDefaults('Service', {
    metadata: { name: 's' },
    spec: { ports: [{ port: 80 }, { port: 81, targetPort: 'http' }], type: 'NodePort', clusterIP: '10.96.0.5' },
  }) as unknown as Service;
  assert.equal(s.spec!.sessionAffinity, 'None');
  assert.equal(s.spec!.ports![0].protocol, 'TCP');
  assert.equal(s.spec!.ports![0].targetPort, 80);
  assert.equal(s.spec!.ports![1].targetPort, 'http');
  assert.equal(s.spec!.externalTrafficPolicy, 'Cluster');
  assert.equal(s.spec!.internalTrafficPolicy, 'Cluster');
  assert.deepEqual(s.spec!.ipFamilies, ['IPv4']);
  assert.equal(s.spec!.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(s.spec!.clusterIPs, ['10.96.0.5']);
  const c = applyDefaults('Service', { metadata: { name: 's' }, spec: {} }) as unknown as Service;
  assert.equal(c.spec!.type, 'ClusterIP');
  assert.equal(c.spec!.externalTrafficPolicy, undefined);
});

test('replication controller defaults selector and labels from template', () => {
  const rc = applyDefaults('ReplicationController', {
    metadata: { name: 'r' },
    spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
  }) as unknown as ReplicationController;
  assert.equal(rc.spec!.replicas, 1);
  assert.deepEqual(rc.spec!.selector, { app: 'web' });
  assert.deepEqual(rc.metadata.labels, { app: 'web' });
  assert.equal(rc.spec!.template!.spec!.restartPolicy, 'Always');
  const rc2 = applyDefaults('ReplicationController', {
    metadata: { name: 'r', labels: { own: 'x' } },
    spec: { replicas: 0, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web', v: '1' } } } },
  }) as unknown as ReplicationController;
  assert.equal(rc2.spec!.replicas, 0);
  assert.deepEqual(rc2.spec!.selector, { app: 'web' });
  assert.deepEqual(rc2.metadata.labels, { own: 'x' });
});

test('namespace, node and secret defaults', () => {
  const ns = applyDefaults('Namespace', { metadata: { name: 'team' } }) as unknown as Namespace;
  assert.deepEqual(ns.spec!.finalizers, ['kubernetes']);
  assert.equal(ns.status!.phase, 'Active');
  assert.equal(ns.metadata.labels!['kubernetes.io/metadata.name'], 'team');
  const n = applyDefaults('Node', { metadata: { name: 'n' }, status: { capacity: { cpu: '4', memory: '1Gi' } } }) as unknown as Node;
  assert.deepEqual(n.status!.allocatable, { cpu: '4', memory: '1Gi' });
  const sec = applyDefaults('Secret', { metadata: { name: 's' } }) as unknown as Secret;
  assert.equal(sec.type, 'Opaque');
});

test('QoS class', () => {
  const c = (resources: ResourceRequirements) => ({ containers: [{ name: 'c', resources }] });
  assert.equal(computeQOSClass(c({})), 'BestEffort');
  assert.equal(computeQOSClass(c({ requests: { cpu: '100m' } })), 'Burstable');
  assert.equal(computeQOSClass(c({ limits: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
  assert.equal(computeQOSClass(c({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } })), 'Guaranteed');
  assert.equal(computeQOSClass(c({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } })), 'Burstable');
  assert.equal(computeQOSClass(c({ limits: { cpu: '1' } })), 'Burstable');
  // Limits-only pod after defaulting copies limits into requests.
  const p = applyDefaults('Pod', { metadata: { name: 'p' }, spec: c({ limits: { cpu: '1', memory: '64Mi' } }) }) as unknown as Pod;
  assert.deepEqual(p.spec!.containers[0].resources!.requests, { cpu: '1', memory: '64Mi' });
  assert.equal(p.status!.qosClass, 'Guaranteed');
});

test('parseQuantityLoose', () => {
  assert.equal(parseQuantityLoose('100m'), 0.1);
  assert.equal(parseQuantityLoose('1Gi'), 1024 ** 3);
  assert.equal(parseQuantityLoose('1e3'), 1000);
  assert.equal(parseQuantityLoose('2k'), 2000);
  assert.equal(parseQuantityLoose('abc'), undefined);
  assert.equal(parseQuantityLoose('1Q'), undefined);
});
