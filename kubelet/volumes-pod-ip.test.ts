// Which pods' volumes must wait for the sandbox's address (the pod worker sets up all others
// while the sandbox starts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../api/core.js';
import { volumesNeedPodIP } from './volumes.js';

const pod = (volumes: NonNullable<Pod['spec']>['volumes']): Pod => ({ metadata: { name: 'p', uid: 'u' }, spec: { containers: [{ name: 'c', image: 'busybox' }], volumes } });

test('volumesNeedPodIP: only a downwardAPI item (plain or projected) of status.podIP(s)', () => {
  assert.equal(volumesNeedPodIP(pod(undefined)), false);
  assert.equal(volumesNeedPodIP(pod([{ name: 'e', emptyDir: {} }, { name: 'd', downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } }])), false);
  assert.equal(volumesNeedPodIP(pod([{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } }])), false);
  assert.equal(volumesNeedPodIP(pod([{ name: 'd', downwardAPI: { items: [{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }] } }])), true);
  assert.equal(volumesNeedPodIP(pod([{ name: 'p', projected: { sources: [{ downwardAPI: { items: [{ path: 'ips', fieldRef: { fieldPath: 'status.podIPs' } }] } }] } }])), true);
});
