import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../api/core.js';
import { admit } from './admission.js';

const pod = (name: string, cpu?: string): Pod => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] } });
const alloc = { milliCPU: 2000, memory: 1 << 30 };

test('admission refuses a pod beyond maxPods with OutOfpods, and admits up to it', () => {
  const running = [pod('a'), pod('b')];
  assert.equal(admit(pod('c'), running, alloc, 3), undefined);
  const r = admit(pod('c'), running, alloc, 2);
  assert.equal(r?.reason, 'OutOfpods');
  assert.match(r?.message ?? '', /pods, requested: 1, used: 2, capacity: 2/);
});

test('admission refuses a pod whose cpu request does not fit', () => {
  assert.equal(admit(pod('x', '1500m'), [pod('y', '1')], alloc)?.reason, 'OutOfcpu');
  assert.equal(admit(pod('x', '1'), [pod('y', '1')], alloc), undefined);
});
