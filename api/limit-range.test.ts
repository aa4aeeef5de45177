import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PersistentVolumeClaim } from './core.js';
import { aggregate, applyPodDefaults, checkClaim, checkPod, defaultLimitRange } from './limit-range.js';
import type { LimitRange, LimitRangeItem } from './quota.js';
import { validateLimitRange } from './validation-quota.js';

const range = (...limits: LimitRangeItem[]): LimitRange => {
  const lr: LimitRange = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } };
  defaultLimitRange(lr);
  return lr;
};
const pod = (...containers: { name: string; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: { containers: containers.map((c) => ({ image: 'busybox', ...c })) },
});

test('LimitRangeItem defaults: default from max, defaultRequest from default, else min (Container only)', () => {
  const lr = range({ type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { memory: '64Mi', 'ephemeral-storage': '1Gi' }, default: { cpu: '1' } }, { type: 'Pod', max: { cpu: '4' } });
  assert.deepEqual(lr.spec!.limits[0].default, { cpu: '1', memory: '1Gi' });
  assert.deepEqual(lr.spec!.limits[0].defaultRequest, { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' });
  assert.equal(lr.spec!.limits[1].default, undefined);
});

test('applyPodDefaults fills only unset limits and requests, and records upstream annotation', () => {
  const lr = range({ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m' } });
  const p = pod({ name: 'a', resources: { limits: { memory: '64Mi' } } }, { name: 'b' });
  assert.equal(applyPodDefaults(p, [lr]), true);
  assert.deepEqual(p.spec!.containers[0].resources, { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '100m', memory: '128Mi' } });
  assert.equal(p.metadata.annotations!['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container a; cpu limit for container a; cpu, memory request for container b; cpu, memory limit for container b');
  assert.equal(applyPodDefaults(pod({ name: 'x', resources: { limits: { cpu: '1', memory: '1' }, requests: { cpu: '1', memory: '1' } } }), [lr]), false);
});

test('checkPod: container min/max/ratio and pod sums, in upstream words', () => {
  const lr = range({ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m' }, maxLimitRequestRatio: { cpu: '2' } });
  assert.deepEqual(checkPod(pod({ name: 'c', resources: { limits: { cpu: '2' }, requests: { cpu: '1' } } }), [lr]), ['maximum cpu usage per Container is 1, but limit is 2']);
  assert.deepEqual(checkPod(pod({ name: 'c', resources: { limits: { cpu: '900m' }, requests: { cpu: '50m' } } }), [lr]), [
    'minimum cpu usage per Container is 100m, but request is 50m',
    'cpu max limit to request ratio per Container is 2, but provided ratio is 18.000000',
  ]);
  assert.deepEqual(checkPod(pod({ name: 'c' }), [lr]), [
    'minimum cpu usage per Container is 100m.  No request is specified',
    'maximum cpu usage per Container is 1.  No limit is specified',
    'cpu max limit to request ratio per Container is 2, but no request is specified or request is 0',
  ]);
  const podRange = range({ type: 'Pod', max: { memory: '1Gi' } });
  const two = pod({ name: 'a', resources: { limits: { memory: '768Mi' } } }, { name: 'b', resources: { limits: { memory: '512Mi' } } });
  assert.deepEqual(checkPod(two, [podRange]), ['maximum memory usage per Pod is 1Gi, but limit is 1280Mi']);
  assert.equal(aggregate(['a', 'b']), '[a, b]');
  assert.equal(aggregate(['a']), 'a');
});

test('checkClaim: storage min and max against the request', () => {
  const lr = range({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } });
  const claim = (storage?: string): PersistentVolumeClaim => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: storage ? { requests: { storage } } : {} } });
  assert.deepEqual(checkClaim(claim('5Gi'), [lr]), ['maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi']);
  assert.deepEqual(checkClaim(claim('512Mi'), [lr]), ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 512Mi']);
  assert.deepEqual(checkClaim(claim('1Gi'), [lr]), []);
});

test('validateLimitRange: types, order of bounds, ratio, Pod defaults, claim storage', () => {
  const msgs = (...limits: LimitRangeItem[]) => validateLimitRange(range(...limits)).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(msgs({ type: 'Container', min: { cpu: '1' }, max: { cpu: '2' }, default: { cpu: '1500m' }, defaultRequest: { cpu: '1' }, maxLimitRequestRatio: { cpu: '2' } }), []);
  assert.deepEqual(msgs({ type: 'Container', default: { cpu: '1' }, defaultRequest: { cpu: '2' } }), ['spec.limits[0].defaultRequest[cpu]: Invalid value: "2": default request value 2 is greater than default limit value 1']);
  assert.deepEqual(msgs({ type: 'Container', maxLimitRequestRatio: { memory: '500m' } }), ['spec.limits[0].maxLimitRequestRatio[memory]: Invalid value: "500m": ratio 500m is less than 1']);
  assert.deepEqual(msgs({ type: 'Pod', default: { cpu: '1' } }), ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]);
  assert.deepEqual(msgs({ type: 'PersistentVolumeClaim', max: { cpu: '1' } }), ['spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided']);
  assert.deepEqual(msgs({ type: 'Widget' }), ['spec.limits[0].type: Invalid value: "Widget": must be a standard limit type or fully qualified']);
  assert.deepEqual(msgs({ type: 'Pod', max: { cpu: '1' } }, { type: 'Pod', max: { cpu: '2' } }), ['spec.limits[1].type: Duplicate value: "Pod"']);
  assert.deepEqual(msgs({ type: 'Pod', max: { widgets: '1' } }), ['spec.limits[0].max[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified']);
  assert.deepEqual(msgs({ type: 'Container', min: { cpu: '1' }, max: { cpu: '2' }, maxLimitRequestRatio: { cpu: '3' } }), ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "3": ratio 3 is greater than max/min = 2.000000']);
});
