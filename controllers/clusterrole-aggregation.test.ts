import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole } from '../api/rbac.js';
import { aggregatedRules } from './clusterrole-aggregation.js';

const role = (name: string, labels: Record<string, string>, verbs: string[]): ClusterRole => ({ metadata: { name, labels }, rules: [{ verbs, apiGroups: [''], resources: ['pods'] }] });

test('an aggregated role gets the rules of the roles its selectors match, in name order, without duplicates', () => {
  const view: ClusterRole = { metadata: { name: 'view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'agg/view': 'true' } }] }, rules: [] };
  const all = [view, role('z-extra', { 'agg/view': 'true' }, ['watch']), role('a-base', { 'agg/view': 'true' }, ['get']), role('dup', { 'agg/view': 'true' }, ['get']), role('other', {}, ['delete'])];
  assert.deepEqual(aggregatedRules(view, all).map((r) => r.verbs), [['get'], ['watch']]);
  assert.deepEqual(aggregatedRules({ ...view, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { none: 'x' } }] } }, all), []);
});
