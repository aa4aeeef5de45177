import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Service } from './core.js';
import type { ResourceQuota } from './quota.js';
import { matchingResources, podConstraintViolation, podUsage, quotaMatches, resourcesToCount, serviceUsage, sumUsage, usageOf } from './quota-usage.js';
import { add, lessThanOrEqual, prettyPrint } from './resource-list.js';
import { validateResourceQuota, validateResourceQuotaUpdate } from './validation-quota.js';

const quota = (hard: Record<string, string>, scopes?: string[]): ResourceQuota => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'q', namespace: 'ns' },
  spec: { hard, ...(scopes ? { scopes } : {}) },
  status: { hard, used: {} },
});
const pod = (resources?: { requests?: Record<string, string>; limits?: Record<string, string> }, extra: Partial<Pod['spec']> = {}, phase?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: { containers: [{ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) }], ...extra },
  ...(phase ? { status: { phase: phase as 'Succeeded' } } : {}),
});

test('pod usage: requests and limits by quota name; terminal pods count only as objects', () => {
  assert.deepEqual(podUsage(pod({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m' } })), {
    'count/pods': '1', pods: '1', cpu: '100m', 'requests.cpu': '100m', memory: '64Mi', 'requests.memory': '64Mi', 'limits.cpu': '200m',
  });
  assert.deepEqual(podUsage(pod({}, {}, 'Succeeded')), { 'count/pods': '1' });
  const deleting = pod();
  deleting.metadata.deletionTimestamp = new Date(Date.now() - 5000).toISOString();
  deleting.metadata.deletionGracePeriodSeconds = 1;
  assert.deepEqual(podUsage(deleting), { 'count/pods': '1' });
});

test('service and generic usage; matching resources per evaluator', () => {
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] } };
  assert.deepEqual(serviceUsage(svc), { 'count/services': '1', services: '1', 'services.nodeports': '2', 'services.loadbalancers': '1' });
  assert.deepEqual(usageOf('deployments', 'apps', {}), { 'count/deployments.apps': '1' });
  assert.deepEqual(usageOf('configmaps', '', {}), { 'count/configmaps': '1', configmaps: '1' });
  assert.deepEqual(matchingResources('pods', '', ['pods', 'requests.cpu', 'services', 'count/pods', 'requests.storage']), ['pods', 'requests.cpu', 'count/pods']);
  assert.deepEqual(resourcesToCount(['pods', 'limits.memory', 'count/deployments.apps', 'secrets', 'requests.storage']), [
    { resource: 'pods', group: '' }, { resource: 'deployments', group: 'apps' }, { resource: 'secrets', group: '' }, { resource: 'persistentvolumeclaims', group: '' },
  ]);
});

test('scopes match pods only: Terminating, BestEffort, PriorityClass', () => {
  const bestEffort = quota({ pods: '1' }, ['BestEffort']);
  assert.equal(quotaMatches(bestEffort, 'pods', '', pod()), true);
  assert.equal(quotaMatches(bestEffort, 'pods', '', pod({ requests: { cpu: '1' } })), false);
  assert.equal(quotaMatches(quota({ pods: '1' }, ['Terminating']), 'pods', '', pod(undefined, { activeDeadlineSeconds: 10 })), true);
  assert.equal(quotaMatches(quota({ pods: '1' }, ['NotTerminating']), 'pods', '', pod(undefined, { activeDeadlineSeconds: 10 })), false);
  assert.equal(quotaMatches(quota({ services: '1' }, ['NotBestEffort']), 'services', '', {}), false);
  const byClass: ResourceQuota = { ...quota({ pods: '1' }), spec: { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } } };
  assert.equal(quotaMatches(byClass, 'pods', '', pod(undefined, { priorityClassName: 'high' })), true);
  assert.equal(quotaMatches(byClass, 'pods', '', pod()), false);
  // A quota the controller has not computed yet (no status.hard) tracks nothing.
  assert.equal(quotaMatches({ ...quota({ pods: '1' }), status: {} }, 'pods', '', pod()), false);
});

test('must specify: every container names the cpu/memory a quota limits', () => {
  assert.equal(podConstraintViolation(pod(), ['pods', 'limits.cpu', 'requests.memory']), 'limits.cpu for: c; requests.memory for: c');
  assert.equal(podConstraintViolation(pod({ limits: { cpu: '1' }, requests: { memory: '1Mi' } }), ['limits.cpu', 'requests.memory']), undefined);
  assert.equal(podConstraintViolation(pod(), ['pods', 'count/pods']), undefined);
});

test('sums, comparisons and printing as upstream quota helpers', () => {
  assert.deepEqual(add({ cpu: '500m', memory: '64Mi' }, { cpu: '1', memory: '64Mi' }), { cpu: '1500m', memory: '128Mi' });
  assert.deepEqual(lessThanOrEqual({ pods: '4', cpu: '1' }, { pods: '3' }), { ok: false, exceeded: ['pods'] });
  assert.equal(prettyPrint({ 'requests.cpu': '1', pods: '1' }), 'pods=1,requests.cpu=1');
  const q = quota({ pods: '5', 'requests.cpu': '2' }, ['NotBestEffort']);
  const pods = [pod({ requests: { cpu: '500m' } }), pod({ requests: { cpu: '250m' } }), pod(), pod({ requests: { cpu: '1' } }, {}, 'Failed')];
  assert.deepEqual(sumUsage(q, 'pods', '', pods), { pods: '2', 'requests.cpu': '750m' });
});

test('validateResourceQuota: names, values, scopes; scopes immutable', () => {
  const msgs = (q: ResourceQuota) => validateResourceQuota(q).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(msgs(quota({ pods: '10', 'requests.cpu': '2', 'count/deployments.apps': '3' })), []);
  assert.deepEqual(msgs({ ...quota({ pods: '1500m', widgets: '1', memory: '-1' }), status: {} }), [
    'spec.hard[pods]: Invalid value: "1500m": must be an integer',
    'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
    'spec.hard[memory]: Invalid value: "-1": must be greater than or equal to 0',
  ]);
  assert.deepEqual(msgs({ ...quota({ pods: '1' }, ['BestEffort', 'NotBestEffort']), status: {} }), ['spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes']);
  assert.deepEqual(msgs({ ...quota({ services: '1' }, ['Terminating']), status: {} }), ['spec.scopes: Invalid value: ["Terminating"]: unsupported scope applied to resource']);
  assert.deepEqual(msgs({ ...quota({ pods: '1' }, ['Sometimes']), status: {} }), ['spec.scopes: Invalid value: ["Sometimes"]: unsupported scope']);
  assert.deepEqual(validateResourceQuotaUpdate(quota({ pods: '1' }, ['Terminating']), quota({ pods: '1' })).map((e) => e.message), ['Invalid value: ["Terminating"]: field is immutable']);
});
