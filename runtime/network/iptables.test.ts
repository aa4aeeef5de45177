// Where the pod network's FORWARD jump goes: below kube-proxy's, so the proxy's REJECTs
// for Services without endpoints are not shadowed by our ACCEPT of all pod traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardInsertPosition } from './iptables.js';

test('FORWARD jump goes to the top when no kube-proxy jump is there', () => {
  assert.equal(forwardInsertPosition('-P FORWARD ACCEPT\n'), 1);
  assert.equal(forwardInsertPosition('-P FORWARD DROP\n-A FORWARD -j DOCKER-USER\n'), 1);
});

test('FORWARD jump goes right below the last kube-proxy jump', () => {
  const rules = [
    '-P FORWARD ACCEPT',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A FORWARD -m comment --comment "tskube:OTHER" -j OTHER-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j TP1-EXTERNAL-SERVICES',
    '-A FORWARD -j DOCKER-USER',
    '',
  ].join('\n');
  assert.equal(forwardInsertPosition(rules), 5);
});
