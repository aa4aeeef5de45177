import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/meta.js';
import type { ResourceQuota } from '../../api/quota.js';
import { checkOne, planCharge } from './resource-quota.js';

const quota = (name: string, hard: Record<string, string>, used: Record<string, string> | undefined): ResourceQuota => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name, namespace: 'ns' },
  spec: { hard },
  status: { hard, ...(used ? { used } : {}) },
});
const forbid = (why: string) => new Error(why);
const pod = (cpu?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'i', ...(cpu ? { resources: { requests: { cpu }, limits: { cpu } } } : {}) }] } });

test('planCharge: every tracking quota is charged the masked usage; others are left out', () => {
  const plan = planCharge([quota('pods', { pods: '3' }, { pods: '1' }), quota('cm', { configmaps: '1' }, { configmaps: '0' })], 'pods', '', pod(), undefined, forbid);
  assert.deepEqual(plan?.charged.map((q) => q.metadata.name), ['pods']);
  assert.equal(plan?.delta.pods, '1');
  assert.equal(planCharge([quota('cm', { configmaps: '1' }, { configmaps: '0' })], 'pods', '', pod(), undefined, forbid), undefined);
});

test('planCharge refuses in upstream words: exceeded, must specify, status unknown', () => {
  assert.throws(() => planCharge([quota('small', { pods: '1', 'requests.cpu': '1' }, { pods: '1', 'requests.cpu': '500m' })], 'pods', '', pod('600m'), undefined, forbid), {
    message: 'exceeded quota: small, requested: pods=1,requests.cpu=600m, used: pods=1,requests.cpu=500m, limited: pods=1,requests.cpu=1',
  });
  assert.throws(() => planCharge([quota('cpu', { 'limits.cpu': '1' }, { 'limits.cpu': '0' })], 'pods', '', pod(), undefined, forbid), { message: 'failed quota: cpu: must specify limits.cpu for: c' });
  assert.throws(() => planCharge([quota('new', { pods: '1' }, undefined)], 'pods', '', pod(), undefined, forbid), { message: 'status unknown for quota: new, resources: pods' });
});

test('planCharge on update charges only the growth (a service becoming NodePort)', () => {
  const q = quota('np', { 'services.nodeports': '1', services: '5' }, { 'services.nodeports': '0', services: '1' });
  const before = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
  const after = { ...before, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
  assert.deepEqual(planCharge([q], 'services', '', after, before, forbid)?.delta, { 'services.nodeports': '1' });
  assert.equal(planCharge([q], 'services', '', before, before, forbid), undefined);
});

test('checkOne adds to the fresh usage, so a retried swap sees what others charged', () => {
  const q = quota('q', { pods: '3' }, { pods: '2' });
  assert.deepEqual(checkOne(q, { pods: '1', 'count/pods': '1' }, forbid), { pods: '3' });
  assert.throws(() => checkOne(quota('q', { pods: '3' }, { pods: '3' }), { pods: '1' }, forbid), /exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3/);
});
