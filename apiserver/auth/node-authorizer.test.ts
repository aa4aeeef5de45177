// The node authorizer's decisions and its graph, on objects fed by hand (no apiserver).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../api/core.js';
import type { Attributes } from './attributes.js';
import { fieldEquals } from './attributes.js';
import { NodeAuthorizer, nodeIdentity } from './node-authorizer.js';
import { NodeGraph, podReferences } from './node-graph.js';
import { forbiddenNodeLabels } from '../admission/node-restriction.js';

const n1 = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

function attrs(p: Partial<Attributes>): Attributes {
  return { user: n1, verb: 'get', resourceRequest: true, path: '', apiGroup: '', apiVersion: 'v1', resource: '', subresource: '', namespace: '', name: '', ...p };
}

function pod(name: string, node: string | undefined, spec: Record<string, unknown> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: `u-${name}` }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...(node ? { nodeName: node } : {}), ...spec } };
}

test('node identity needs the name prefix and the system:nodes group', () => {
  assert.deepEqual(nodeIdentity(n1), { isNode: true, name: 'n1' });
  assert.equal(nodeIdentity({ username: 'system:node:n1', groups: [] }).isNode, false);
  assert.equal(nodeIdentity({ username: 'alice', groups: ['system:nodes'] }).isNode, false);
});

test('a pod reaches every secret, configmap, claim and service account it names', () => {
  const refs = podReferences(
    pod('p', 'n1', {
      serviceAccountName: 'sa',
      imagePullSecrets: [{ name: 'pull' }],
      containers: [{ name: 'c', image: 'i', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env-s', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'env-c', key: 'k' } } }], envFrom: [{ secretRef: { name: 'from-s' } }] }],
      initContainers: [{ name: 'i', image: 'i', envFrom: [{ configMapRef: { name: 'init-c' } }] }],
      volumes: [
        { name: 'v1', secret: { secretName: 'vol-s' } },
        { name: 'v2', configMap: { name: 'vol-c' } },
        { name: 'v3', persistentVolumeClaim: { claimName: 'claim' } },
        { name: 'v4', projected: { sources: [{ secret: { name: 'proj-s' } }, { configMap: { name: 'kube-root-ca.crt' } }] } },
        { name: 'v5', ephemeral: { volumeClaimTemplate: { spec: {} } } },
        { name: 'v6', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi-s' } } },
      ],
    }),
  );
  assert.deepEqual([...refs].sort(), [
    'configmap/ns/env-c',
    'configmap/ns/init-c',
    'configmap/ns/kube-root-ca.crt',
    'configmap/ns/vol-c',
    'persistentvolumeclaim/ns/claim',
    'persistentvolumeclaim/ns/p-v5',
    'secret/ns/csi-s',
    'secret/ns/env-s',
    'secret/ns/from-s',
    'secret/ns/proj-s',
    'secret/ns/pull',
    'secret/ns/vol-s',
    'serviceaccount/ns/sa',
  ]);
});

test('secrets, claims and volumes: only through a pod bound to the node; edges go with the pod', () => {
  const g = new NodeGraph();
  const z = new NodeAuthorizer(g);
  g.setPod(pod('a', 'n1', { volumes: [{ name: 's', secret: { secretName: 'mine' } }, { name: 'c', persistentVolumeClaim: { claimName: 'data' } }] }));
  g.setPod(pod('b', 'n2', { volumes: [{ name: 's', secret: { secretName: 'theirs' } }] }));
  g.setPod(pod('c', undefined, { volumes: [{ name: 's', secret: { secretName: 'unbound' } }] }));
  g.setVolume({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'ns', name: 'data' } } });
  const get = (resource: string, name: string, ns = 'ns') => z.authorize(attrs({ resource, name, namespace: ns })).decision;
  assert.equal(get('secrets', 'mine'), 'allow');
  assert.equal(get('secrets', 'theirs'), 'noOpinion');
  assert.equal(get('secrets', 'unbound'), 'noOpinion');
  assert.equal(get('secrets', 'mine', 'other'), 'noOpinion');
  assert.equal(z.authorize(attrs({ resource: 'secrets', name: 'theirs', namespace: 'ns' })).reason, "no relationship found between node 'n1' and this object");
  assert.equal(get('persistentvolumeclaims', 'data'), 'allow');
  assert.equal(get('persistentvolumes', 'pv1', ''), 'allow');
  assert.equal(get('pods', 'a'), 'allow');
  assert.equal(get('pods', 'b'), 'noOpinion');
  // Writes and lists of secrets are never a node's.
  assert.equal(z.authorize(attrs({ verb: 'update', resource: 'secrets', name: 'mine', namespace: 'ns' })).reason, 'can only read resources of this type');
  assert.equal(z.authorize(attrs({ verb: 'list', resource: 'persistentvolumeclaims', namespace: 'ns' })).reason, 'can only get individual resources of this type');
  // The pod moves to another node, then is deleted: the edges go.
  g.setPod(pod('a', 'n3', { volumes: [{ name: 's', secret: { secretName: 'mine' } }] }));
  assert.equal(get('secrets', 'mine'), 'noOpinion');
  g.setPod(pod('a', 'n1', { volumes: [{ name: 's', secret: { secretName: 'mine' } }] }));
  g.setPod(pod('a2', 'n1', { volumes: [{ name: 's', secret: { secretName: 'mine' } }] }));
  g.setPod(pod('a', 'n1'), true);
  assert.equal(get('secrets', 'mine'), 'allow', 'still used by a2');
  g.setPod(pod('a2', 'n1'), true);
  assert.equal(get('secrets', 'mine'), 'noOpinion');
});

test('pods are listed only with the own spec.nodeName selector; nodes read only by name; leases by name', () => {
  const z = new NodeAuthorizer(new NodeGraph());
  const d = (p: Partial<Attributes>) => z.authorize(attrs(p));
  assert.equal(d({ verb: 'list', resource: 'pods', fieldSelector: 'spec.nodeName=n1' }).decision, 'allow');
  assert.equal(d({ verb: 'watch', resource: 'pods', fieldSelector: 'status.phase=Running,spec.nodeName==n1' }).decision, 'allow');
  assert.equal(d({ verb: 'list', resource: 'pods', fieldSelector: 'spec.nodeName!=n1' }).reason, 'can only list/watch pods with spec.nodeName field selector');
  assert.equal(d({ verb: 'list', resource: 'pods', fieldSelector: 'spec.nodeName=n2' }).decision, 'noOpinion');
  assert.equal(d({ verb: 'list', resource: 'pods' }).decision, 'noOpinion');
  assert.equal(d({ verb: 'get', resource: 'nodes', name: 'n1' }).decision, 'allow');
  assert.equal(d({ verb: 'get', resource: 'nodes', name: 'n2' }).reason, "node 'n1' cannot read 'n2', only its own Node object");
  assert.equal(d({ verb: 'list', resource: 'nodes' }).reason, "node 'n1' cannot read all nodes, only its own Node object");
  assert.equal(d({ verb: 'delete', resource: 'nodes', name: 'n1' }).decision, 'noOpinion');
  assert.equal(d({ verb: 'patch', resource: 'nodes', name: 'n2', subresource: 'status' }).decision, 'allow', 'NodeRestriction decides which');
  assert.equal(d({ verb: 'update', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n1' }).decision, 'allow');
  assert.equal(d({ verb: 'update', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n2' }).reason, 'can only access node lease with the same name as the requesting node');
  assert.equal(d({ verb: 'get', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'default', name: 'n1' }).decision, 'noOpinion');
  // The static node rules: services, events.
  assert.equal(d({ verb: 'watch', resource: 'services' }).decision, 'allow');
  assert.equal(d({ verb: 'create', resource: 'events', namespace: 'ns' }).decision, 'allow');
  assert.equal(d({ verb: 'create', resource: 'deployments', apiGroup: 'apps', namespace: 'ns' }).decision, 'noOpinion');
  // Not a node: no opinion.
  assert.equal(z.authorize(attrs({ user: { username: 'jane', groups: [] }, resource: 'secrets', name: 'x', namespace: 'ns' })).decision, 'noOpinion');
});

test('field selector equality terms', () => {
  assert.deepEqual(fieldEquals('spec.nodeName=a,metadata.name==b', 'spec.nodeName'), ['a']);
  assert.deepEqual(fieldEquals('spec.nodeName!=a', 'spec.nodeName'), []);
  assert.deepEqual(fieldEquals(undefined, 'spec.nodeName'), []);
});

test('node labels a kubelet may not set', () => {
  assert.deepEqual(forbiddenNodeLabels({ 'kubernetes.io/hostname': 'n1', 'node-restriction.kubernetes.io/x': 'y', 'node-role.kubernetes.io/control-plane': '', 'example.com/a': 'b', 'node.kubernetes.io/instance-type': 't' }, {}), [
    'node-restriction.kubernetes.io/x',
    'node-role.kubernetes.io/control-plane',
  ]);
  assert.deepEqual(forbiddenNodeLabels({}, { 'foo.node-restriction.kubernetes.io/x': 'y' }), ['foo.node-restriction.kubernetes.io/x']);
});
