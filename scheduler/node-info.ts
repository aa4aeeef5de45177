// One node as the scheduler sees it: the Node object plus the sums of what the
// pods assigned (or assumed) to it request and their host ports. Kept
// incrementally by the cache.

import type { Node, Pod, Protocol } from '../api/core.js';
import { nodeAllocatable, podRequests, zeroResources, type Allocatable, type Resources } from './resources.js';

export interface HostPort {
  hostIP: string;
  protocol: Protocol;
  port: number;
}

/** The host ports a pod asks for (containers and init containers), as Kubernetes' GetHostPorts. */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const spec = pod.spec;
  if (!spec) return out;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ hostIP: p.hostIP || '0.0.0.0', protocol: p.protocol ?? 'TCP', port: p.hostPort });
    }
  }
  return out;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

export class NodeInfo {
  node: Node;
  allocatable: Allocatable;
  readonly requested: Resources = zeroResources();
  /** Requests with the scoring defaults for absent cpu/memory (least-allocated uses these). */
  readonly nonZeroRequested: Resources = zeroResources();
  readonly pods = new Map<string, Pod>();
  readonly usedPorts: HostPort[] = [];

  constructor(node: Node) {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
  }

  get name(): string {
    return this.node.metadata.name ?? '';
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
  }

  addPod(pod: Pod): void {
    const key = podKey(pod);
    if (this.pods.has(key)) this.removePod(key);
    this.pods.set(key, pod);
    this.apply(pod, 1);
  }

  removePod(key: string): boolean {
    const pod = this.pods.get(key);
    if (!pod) return false;
    this.pods.delete(key);
    this.apply(pod, -1);
    return true;
  }

  private apply(pod: Pod, sign: 1 | -1): void {
    const r = podRequests(pod);
    const nz = podRequests(pod, true);
    for (const k of ['milliCPU', 'memory', 'ephemeralStorage'] as const) {
      this.requested[k] += sign * r[k];
      this.nonZeroRequested[k] += sign * nz[k];
    }
    for (const hp of podHostPorts(pod)) {
      if (sign > 0) this.usedPorts.push(hp);
      else {
        const i = this.usedPorts.findIndex((u) => u.hostIP === hp.hostIP && u.protocol === hp.protocol && u.port === hp.port);
        if (i >= 0) this.usedPorts.splice(i, 1);
      }
    }
  }
}
