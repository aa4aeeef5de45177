// The compiled rule set answers exactly as ruleAllows over every rule, on every combination of a
// sample of rules (plain, wildcards, subresource wildcards, resourceNames, nonResourceURLs, huge).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from '../../api/rbac.js';
import { RuleIndex } from './rbac-rule-index.js';
import { ruleAllows } from './rbac-rules.js';

const RULES: PolicyRule[] = [
  { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] },
  { verbs: ['create'], apiGroups: ['apps'], resources: ['deployments'] },
  { verbs: ['*'], apiGroups: ['batch'], resources: ['jobs'] },
  { verbs: ['update'], apiGroups: ['*'], resources: ['*/status'] },
  { verbs: ['delete'], apiGroups: [''], resources: ['secrets'], resourceNames: ['one'] },
  { verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] },
  { verbs: ['patch'], apiGroups: [''], resources: ['*'] },
  { verbs: Array.from({ length: 20 }, (_, i) => `v${i}`), apiGroups: Array.from({ length: 20 }, (_, i) => `g${i}`), resources: ['r'] },
  { verbs: [], apiGroups: [''], resources: ['pods'] },
];

const ATTRS = (() => {
  const out: Parameters<typeof ruleAllows>[0][] = [];
  for (const verb of ['get', 'list', 'create', 'update', 'delete', 'patch', 'watch', 'v3'])
    for (const apiGroup of ['', 'apps', 'batch', 'g7'])
      for (const [resource, subresource] of [['pods', ''], ['pods', 'log'], ['pods', 'status'], ['deployments', ''], ['jobs', ''], ['secrets', ''], ['r', '']])
        for (const name of ['', 'one', 'two']) out.push({ verb, resourceRequest: true, path: '', apiGroup, resource, subresource, name });
  for (const path of ['/healthz', '/api/v1', '/apis', '/metrics']) for (const verb of ['get', 'post']) out.push({ verb, resourceRequest: false, path, apiGroup: '', resource: '', subresource: '', name: '' });
  return out;
})();

test('a RuleIndex allows exactly what some rule allows, for every subset of the sample rules', () => {
  let allowed = 0;
  for (let mask = 0; mask < 1 << RULES.length; mask += 7) {
    const rules = RULES.filter((_, i) => mask & (1 << i));
    const index = new RuleIndex(rules);
    for (const a of ATTRS) {
      const want = rules.some((r) => ruleAllows(a, r));
      if (want) allowed++;
      assert.equal(index.allows(a), want, `${JSON.stringify(a)} with ${JSON.stringify(rules)}`);
    }
  }
  assert.ok(allowed > 1000, 'the sample exercises allows, not only refusals');
});
