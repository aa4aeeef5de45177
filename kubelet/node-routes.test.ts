import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../api/core.js';
import { desiredRoutes, parseRoutes, routeChanges } from './node-routes.js';

const node = (name: string, cidr?: string, ip?: string, extra: Partial<Node> = {}): Node => ({
  metadata: { name },
  spec: cidr ? { podCIDR: cidr, podCIDRs: [cidr] } : {},
  status: ip ? { addresses: [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: ip }] } : {},
  ...extra,
});

test('a route per other node with a pod CIDR and an InternalIP', () => {
  const nodes = [node('a', '10.244.0.0/24', '172.30.0.1'), node('b', '10.244.1.0/24', '172.30.0.2'), node('c', undefined, '172.30.0.3'), node('d', '10.244.3.0/24'), node('e', 'fd00::/64', '172.30.0.5')];
  assert.deepEqual(desiredRoutes(nodes, 'a'), [{ dst: '10.244.1.0/24', via: '172.30.0.2' }]);
  assert.deepEqual(desiredRoutes(nodes, 'b'), [{ dst: '10.244.0.0/24', via: '172.30.0.1' }]);
  const deleting = node('b', '10.244.1.0/24', '172.30.0.2');
  deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  assert.deepEqual(desiredRoutes([deleting], 'a'), []);
});

test('reconciliation: stale routes deleted, new ones added, a moved gateway replaced in place', () => {
  const have = [{ dst: '10.244.1.0/24', via: '172.30.0.2' }, { dst: '10.244.2.0/24', via: '172.30.0.3' }, { dst: '10.244.3.0/24', via: '172.30.0.4' }];
  const want = [{ dst: '10.244.1.0/24', via: '172.30.0.2' }, { dst: '10.244.2.0/24', via: '172.30.0.9' }, { dst: '10.244.5.0/24', via: '172.30.0.5' }];
  assert.deepEqual(routeChanges(have, want), { del: [{ dst: '10.244.3.0/24', via: '172.30.0.4' }], add: [{ dst: '10.244.2.0/24', via: '172.30.0.9' }, { dst: '10.244.5.0/24', via: '172.30.0.5' }] });
  assert.deepEqual(routeChanges(want, want), { del: [], add: [] });
  assert.deepEqual(routeChanges(have, []).del.length, 3);
});

test('routes read from ip -j route show', () => {
  const json = '[{"dst":"10.244.1.0/24","gateway":"172.30.0.2","dev":"eth0","protocol":"75","flags":[]},{"dst":"10.9.9.9","gateway":"172.30.0.2","flags":[]},{"dst":"10.244.9.0/24","dev":"cbr0","flags":[]}]';
  assert.deepEqual(parseRoutes(json), [{ dst: '10.244.1.0/24', via: '172.30.0.2' }, { dst: '10.9.9.9/32', via: '172.30.0.2' }]);
  assert.deepEqual(parseRoutes(''), []);
});
