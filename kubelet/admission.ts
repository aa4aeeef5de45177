// Node admission of a pod: does it fit in what the node has left?
// (kubelet's predicate admit handler; rejected pods end Failed with OutOf<res>.)
import os from 'node:os';
import type { Container, Pod } from '../api/core.js';
import { milliValue } from '../api/quantity.js';

export interface Resources {
  milliCPU: number;
  memory: number;
}

function req(c: Container): Resources {
  const r = c.resources?.requests ?? {};
  const l = c.resources?.limits ?? {};
  const cpu = r.cpu ?? l.cpu;
  const mem = r.memory ?? l.memory;
  return { milliCPU: cpu !== undefined ? milliValue(cpu) : 0, memory: mem !== undefined ? Math.ceil(milliValue(mem) / 1000) : 0 };
}

/** max(sum of containers, largest init container), per resource. */
export function podRequests(pod: Pod): Resources {
  const sum = { milliCPU: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = req(c);
    sum.milliCPU += r.milliCPU;
    sum.memory += r.memory;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = req(c);
    sum.milliCPU = Math.max(sum.milliCPU, r.milliCPU);
    sum.memory = Math.max(sum.memory, r.memory);
  }
  return sum;
}

export function nodeAllocatable(): Resources {
  return { milliCPU: os.cpus().length * 1000, memory: os.totalmem() };
}

/** undefined when the pod fits beside the admitted ones; else the reason and message. */
export function admit(pod: Pod, admitted: Pod[], alloc: Resources, maxPods = Infinity): { reason: string; message: string } | undefined {
  if (admitted.length + 1 > maxPods) {
    return { reason: 'OutOfpods', message: `Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: ${admitted.length}, capacity: ${maxPods}` };
  }
  const want = podRequests(pod);
  const used = { milliCPU: 0, memory: 0 };
  for (const p of admitted) {
    const r = podRequests(p);
    used.milliCPU += r.milliCPU;
    used.memory += r.memory;
  }
  if (want.milliCPU > 0 && used.milliCPU + want.milliCPU > alloc.milliCPU) {
    return { reason: 'OutOfcpu', message: `Pod was rejected: Node didn't have enough resource: cpu, requested: ${want.milliCPU}, used: ${used.milliCPU}, capacity: ${alloc.milliCPU}` };
  }
  if (want.memory > 0 && used.memory + want.memory > alloc.memory) {
    return { reason: 'OutOfmemory', message: `Pod was rejected: Node didn't have enough resource: memory, requested: ${want.memory}, used: ${used.memory}, capacity: ${alloc.memory}` };
  }
  return undefined;
}
