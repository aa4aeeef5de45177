// What a pod asks for and what a node offers, in the units the scheduler adds up:
// cpu millicores, memory and ephemeral-storage bytes. A pod's request is computed
// as Kubernetes' resourcehelper.PodRequests does: the sum of its containers, then
// the max with each init container (sidecar init containers, restartPolicy
// Always, keep running and so add up), plus the pod overhead.

import type { Container, Node, Pod, ResourceList } from '../api/core.js';
import { intValue, milliValue } from '../api/quantity.js';

export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
}

export const zeroResources = (): Resources => ({ milliCPU: 0, memory: 0, ephemeralStorage: 0 });

/** Defaults the scoring counts for containers without requests (Kubernetes' non-zero requests). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

function safe(fn: () => number): number {
  try {
    return fn();
  } catch {
    return 0;
  }
}

export function fromResourceList(list: ResourceList | undefined): Resources {
  const r = zeroResources();
  if (!list) return r;
  if (list.cpu !== undefined) r.milliCPU = safe(() => milliValue(list.cpu));
  if (list.memory !== undefined) r.memory = safe(() => intValue(list.memory));
  if (list['ephemeral-storage'] !== undefined) r.ephemeralStorage = safe(() => intValue(list['ephemeral-storage']));
  return r;
}

function add(a: Resources, b: Resources): void {
  a.milliCPU += b.milliCPU;
  a.memory += b.memory;
  a.ephemeralStorage += b.ephemeralStorage;
}

function max(a: Resources, b: Resources): void {
  a.milliCPU = Math.max(a.milliCPU, b.milliCPU);
  a.memory = Math.max(a.memory, b.memory);
  a.ephemeralStorage = Math.max(a.ephemeralStorage, b.ephemeralStorage);
}

function containerRequests(c: Container, nonZero: boolean): Resources {
  const r = fromResourceList(c.resources?.requests);
  if (nonZero) {
    // As Kubernetes' GetNonzeroRequests: only an absent request gets the default; an explicit 0 stays 0.
    if (c.resources?.requests?.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (c.resources?.requests?.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

// Pods from the informer are never mutated (each event brings a new object), so
// their requests are computed once: filters and scores ask for them per node.
const memo = new WeakMap<Pod, Resources>();
const memoNonZero = new WeakMap<Pod, Resources>();

/** The pod's effective request; nonZero fills absent cpu/memory requests with the scoring defaults. Do not mutate the result. */
export function podRequests(pod: Pod, nonZero = false): Resources {
  const m = nonZero ? memoNonZero : memo;
  let r = m.get(pod);
  if (!r) {
    r = computePodRequests(pod, nonZero);
    m.set(pod, r);
  }
  return r;
}

function computePodRequests(pod: Pod, nonZero: boolean): Resources {
  const spec = pod.spec ?? { containers: [] };
  const total = zeroResources();
  for (const c of spec.containers ?? []) add(total, containerRequests(c, nonZero));
  // Init containers run one after another before the app containers; sidecars keep running.
  const sidecars = zeroResources();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      add(sidecars, r);
      add(total, r);
    } else {
      const during = { ...r };
      add(during, sidecars);
      max(total, during);
    }
  }
  const overhead = (spec as { overhead?: ResourceList }).overhead;
  if (overhead) add(total, fromResourceList(overhead));
  return total;
}

export interface Allocatable extends Resources {
  pods: number;
}

/** The node's allocatable (falling back to capacity), with the pods count. */
export function nodeAllocatable(node: Node): Allocatable {
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  const r = fromResourceList(list);
  return { ...r, pods: list.pods !== undefined ? safe(() => intValue(list.pods)) : 0 };
}
