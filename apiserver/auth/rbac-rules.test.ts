import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from '../../api/rbac.js';
import { compactRuleString, ruleAllows, subjectApplies, uncoveredRules } from './rbac-rules.js';

const res = (verb: string, apiGroup: string, resource: string, subresource = '', name = '') => ({ verb, resourceRequest: true, path: '', apiGroup, resource, subresource, name });
const url = (verb: string, path: string) => ({ verb, resourceRequest: false, path, apiGroup: '', resource: '', subresource: '', name: '' });

const cases: { rule: PolicyRule; attrs: ReturnType<typeof res>; allowed: boolean }[] = [
  { rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, attrs: res('get', '', 'pods'), allowed: true },
  { rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, attrs: res('list', '', 'pods'), allowed: false },
  { rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, attrs: res('get', 'apps', 'pods'), allowed: false },
  { rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, attrs: res('get', '', 'pods', 'log'), allowed: false },
  { rule: { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, attrs: res('get', '', 'pods', 'log'), allowed: true },
  { rule: { verbs: ['get'], apiGroups: [''], resources: ['*/status'] }, attrs: res('get', '', 'nodes', 'status'), allowed: true },
  { rule: { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, attrs: res('escalate', 'rbac.authorization.k8s.io', 'roles'), allowed: true },
  { rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, attrs: res('get', '', 'pods', '', 'a'), allowed: true },
  { rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, attrs: res('get', '', 'pods', '', 'b'), allowed: false },
  { rule: { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, attrs: res('list', '', 'pods'), allowed: false },
  { rule: { verbs: ['get'], nonResourceURLs: ['/healthz'] }, attrs: url('get', '/healthz'), allowed: true },
  { rule: { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, attrs: url('get', '/apis/apps/v1'), allowed: true },
  { rule: { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, attrs: url('get', '/api'), allowed: false },
  { rule: { verbs: ['get'], nonResourceURLs: ['/healthz'] }, attrs: url('post', '/healthz'), allowed: false },
];

for (const [i, c] of cases.entries()) {
  test(`rule ${i}: ${JSON.stringify(c.rule)} ${c.allowed ? 'allows' : 'refuses'} ${c.attrs.verb} ${c.attrs.resource || c.attrs.path}${c.attrs.subresource ? `/${c.attrs.subresource}` : ''}`, () => {
    assert.equal(ruleAllows(c.attrs, c.rule), c.allowed);
  });
}

test('subjects: users, groups and service accounts (namespace from the binding if unset)', () => {
  const sa = { username: 'system:serviceaccount:ns1:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'] };
  assert.equal(subjectApplies({ kind: 'ServiceAccount', name: 'robot' }, sa, 'ns1'), true);
  assert.equal(subjectApplies({ kind: 'ServiceAccount', name: 'robot' }, sa, 'ns2'), false);
  assert.equal(subjectApplies({ kind: 'ServiceAccount', name: 'robot', namespace: 'ns1' }, sa, ''), true);
  assert.equal(subjectApplies({ kind: 'Group', name: 'system:serviceaccounts:ns1' }, sa, ''), true);
  assert.equal(subjectApplies({ kind: 'User', name: 'robot' }, sa, ''), false);
  assert.equal(subjectApplies({ kind: 'Robot', name: 'x' }, sa, ''), false);
});

test('covers: what is held covers what is granted, and the missing parts are named', () => {
  const held: PolicyRule[] = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] }, { verbs: ['get'], nonResourceURLs: ['/apis/*'] }];
  assert.deepEqual(uncoveredRules(held, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['x'] }]), []);
  assert.deepEqual(uncoveredRules(held, [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }]), []);
  const missing = uncoveredRules(held, [{ verbs: ['get', 'delete'], apiGroups: ['', 'apps'], resources: ['pods'] }]);
  assert.deepEqual(missing.map(compactRuleString), [
    '{APIGroups:["apps"], Resources:["pods"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
    '{APIGroups:["apps"], Resources:["pods"], Verbs:["delete"]}',
  ]);
  assert.deepEqual(uncoveredRules([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['escalate'], apiGroups: ['x'], resources: ['y/z'] }]), []);
  // Garbage in a rule (validation refuses it later) is not a crash.
  assert.deepEqual(uncoveredRules(held, [null as never, { verbs: 'get' } as never]), []);
});
