// The scheduler's view of the cluster: a NodeInfo per node with the pods bound
// to it (from the informers) and the pods the scheduler has ASSUMED onto it but
// whose binding the informer has not shown yet. Assuming is what lets a burst of
// pods be placed one after another without waiting for each bind's round trip;
// an assumed pod is confirmed when the informer shows it bound, and forgotten
// when its bind fails or, once bound, the informer never shows it (ttl).

import type { Node, Pod } from '../api/core.js';
import { NodeInfo, podKey } from './node-info.js';

interface Assumed {
  pod: Pod;
  nodeName: string;
  /** Set when the bind finished: forget the pod if still unconfirmed by then. */
  deadline?: number;
}

export interface SchedulerCacheOptions {
  /** How long an assumed pod whose bind succeeded may wait for the informer (Kubernetes: 30 s). */
  assumeTtlMs?: number;
  now?: () => number;
}

function terminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Where each known pod is counted: key -> node name. */
  private readonly podNode = new Map<string, string>();
  private readonly assumed = new Map<string, Assumed>();
  /** Pods bound to nodes the cache does not know (yet): counted when the node appears. */
  private readonly orphans = new Map<string, Pod>();
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(opts: SchedulerCacheOptions = {}) {
    this.ttl = opts.assumeTtlMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  // ---- nodes

  setNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const ni = this.nodes.get(name);
    if (ni) {
      ni.setNode(node);
      return;
    }
    const fresh = new NodeInfo(node);
    this.nodes.set(name, fresh);
    for (const [key, pod] of this.orphans) {
      if (pod.spec?.nodeName !== name) continue;
      this.orphans.delete(key);
      fresh.addPod(pod);
      this.podNode.set(key, name);
    }
  }

  deleteNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.nodes.delete(name);
    // Pods still bound there wait for the node to come back (or their own delete).
    for (const [key, pod] of ni.pods) {
      if (this.assumed.has(key)) this.assumed.delete(key);
      else this.orphans.set(key, pod);
      this.podNode.delete(key);
    }
  }

  nodeInfos(): NodeInfo[] {
    return [...this.nodes.values()];
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  // ---- pods from the informer (bound ones)

  /** The informer shows the pod bound (add or update): count it, confirming an assumption. */
  setPod(pod: Pod): void {
    const key = podKey(pod);
    if (terminal(pod) || !pod.spec?.nodeName) {
      this.deletePod(pod);
      return;
    }
    this.assumed.delete(key);
    this.removeCounted(key);
    this.orphans.delete(key);
    const ni = this.nodes.get(pod.spec.nodeName);
    if (!ni) {
      this.orphans.set(key, pod);
      return;
    }
    ni.addPod(pod);
    this.podNode.set(key, ni.name);
  }

  deletePod(pod: Pod): void {
    const key = podKey(pod);
    // The delete of an older pod of the same name must not drop its successor's assumption.
    const uid = pod.metadata.uid;
    if (uid && this.assumed.has(key) && this.assumed.get(key)!.pod.metadata.uid !== uid) return;
    this.assumed.delete(key);
    this.orphans.delete(key);
    this.removeCounted(key);
  }

  private removeCounted(key: string): void {
    const at = this.podNode.get(key);
    if (at === undefined) return;
    this.nodes.get(at)?.removePod(key);
    this.podNode.delete(key);
  }

  // ---- assumptions

  /** Count the pod on the node now, before the bind is written. */
  assume(pod: Pod, nodeName: string): void {
    const key = podKey(pod);
    const ni = this.nodes.get(nodeName);
    if (!ni) throw new Error(`assume ${key}: node ${nodeName} is not in the cache`);
    this.removeCounted(key);
    const bound: Pod = { ...pod, spec: { ...(pod.spec ?? { containers: [] }), nodeName } };
    ni.addPod(bound);
    this.podNode.set(key, nodeName);
    this.assumed.set(key, { pod: bound, nodeName });
  }

  /** The bind succeeded: keep the assumption until the informer confirms it, at most the ttl. */
  finishBinding(pod: Pod): void {
    const a = this.assumed.get(podKey(pod));
    if (a) a.deadline = this.now() + this.ttl;
  }

  /** The bind failed: undo the assumption. */
  forget(pod: Pod): void {
    const key = podKey(pod);
    if (!this.assumed.has(key)) return;
    this.assumed.delete(key);
    this.removeCounted(key);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** Whether the pod is counted on some node (bound or assumed); with a uid, only that incarnation of the name. */
  isPlaced(key: string, uid?: string): boolean {
    const at = this.podNode.get(key);
    if (at === undefined) return false;
    if (uid === undefined) return true;
    const placed = this.nodes.get(at)?.pods.get(key);
    return placed?.metadata.uid === undefined || placed.metadata.uid === uid;
  }

  /** Drop assumptions whose bind finished more than the ttl ago without confirmation; returns how many. */
  cleanupExpired(): number {
    const now = this.now();
    let n = 0;
    for (const [key, a] of this.assumed) {
      if (a.deadline === undefined || a.deadline > now) continue;
      this.assumed.delete(key);
      this.removeCounted(key);
      n++;
    }
    return n;
  }

  get assumedCount(): number {
    return this.assumed.size;
  }
}
