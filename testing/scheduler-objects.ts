// Builders for scheduler tests: nodes and pods with just the fields that matter.

import type { Affinity, Container, Node, Pod, Taint, Toleration, TopologySpreadConstraint } from '../api/core.js';
import { NodeInfo } from '../scheduler/node-info.js';

export interface NodeOpts {
  name?: string;
  cpu?: string;
  memory?: string;
  pods?: string;
  ephemeral?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: 'True' | 'False' | 'Unknown' | 'absent';
}

export function makeNode(o: NodeOpts = {}): Node {
  const allocatable: Record<string, string> = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  if (o.ephemeral) allocatable['ephemeral-storage'] = o.ephemeral;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: o.name ?? 'n1', labels: o.labels ?? {} },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: allocatable,
      allocatable,
      conditions: o.ready === 'absent' ? [] : [{ type: 'Ready', status: o.ready ?? 'True' }],
    },
  };
}

export interface PodOpts {
  name?: string;
  namespace?: string;
  cpu?: string;
  memory?: string;
  containers?: Container[];
  initContainers?: Container[];
  overhead?: Record<string, string>;
  hostPorts?: { hostPort: number; protocol?: 'TCP' | 'UDP'; hostIP?: string }[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  nodeName?: string;
  owner?: string;
  affinity?: Affinity;
  labels?: Record<string, string>;
  topologySpreadConstraints?: TopologySpreadConstraint[];
}

export function makePod(o: PodOpts = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const containers: Container[] = o.containers ?? [
    {
      name: 'c',
      image: 'busybox',
      ...(o.cpu || o.memory ? { resources: { requests } } : {}),
      ...(o.hostPorts ? { ports: o.hostPorts.map((p) => ({ containerPort: p.hostPort, ...p })) } : {}),
    },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name ?? 'p',
      namespace: o.namespace ?? 'default',
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: o.owner, controller: true }] } : {}),
    },
    spec: {
      containers,
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.overhead ? { overhead: o.overhead } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.topologySpreadConstraints ? { topologySpreadConstraints: o.topologySpreadConstraints } : {}),
    },
  };
}

/** A NodeInfo with the given pods already on it. */
export function nodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const ni = new NodeInfo(node);
  for (const p of pods) ni.addPod({ ...p, spec: { ...p.spec!, nodeName: node.metadata.name } });
  return ni;
}
