import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeletAddress, kubeletPath } from './kubelet-client.js';

test('apiserver subresources map to kubelet paths', () => {
  assert.equal(kubeletPath('log', 'default', 'web', new URLSearchParams('container=c&follow=true&tailLines=5&pretty=1')), '/containerLogs/default/web/c?follow=true&tailLines=5');
  assert.equal(kubeletPath('exec', 'ns', 'p', new URLSearchParams('command=sh&command=-c&command=echo+hi&stdout=true&container=x')), '/exec/ns/p/x?command=sh&command=-c&command=echo+hi&stdout=true');
  assert.equal(kubeletPath('attach', 'ns', 'p', new URLSearchParams('stdin=true'), 'main'), '/attach/ns/p/main?stdin=true');
  assert.equal(kubeletPath('portforward', 'ns', 'p', new URLSearchParams('ports=80&ports=443')), '/portForward/ns/p?ports=80&ports=443');
});

test('kubelet address from the node status', () => {
  assert.deepEqual(kubeletAddress({ metadata: { name: 'n' }, status: { addresses: [{ type: 'Hostname', address: 'n' }, { type: 'InternalIP', address: '10.0.0.5' }], daemonEndpoints: { kubeletEndpoint: { Port: 11250 } } } }), { host: '10.0.0.5', port: 11250 });
  assert.deepEqual(kubeletAddress({ metadata: { name: 'n' } }), { host: 'n', port: 10250 });
});
