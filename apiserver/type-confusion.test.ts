// Wrong JSON types anywhere in a served object (a number where a string belongs, an
// object where a list does, null for a scalar) are 4xx, never a 500: each field of a
// valid Pod, Service, Deployment, EndpointSlice, PVC and ConfigMap is replaced in turn
// by each wrong value, and created, and the server must answer 201 or a 4xx Status.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../testing/cluster.js';

let t: TestApi;
before(async () => {
  t = await startTestApi();
});
after(async () => {
  await t?.stop();
});

const BASES: Record<string, Record<string, unknown>> = {
  '/api/v1/namespaces/default/pods': {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', labels: { a: 'b' }, annotations: { c: 'd' } },
    spec: {
      containers: [{
        name: 'c', image: 'i', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'E', value: 'v' }], resources: { limits: { cpu: '1' }, requests: { memory: 1e6 } },
        volumeMounts: [{ name: 'v', mountPath: '/v' }], readinessProbe: { httpGet: { path: '/', port: 80 } }, securityContext: { runAsUser: 1 },
      }],
      volumes: [{ name: 'v', emptyDir: { sizeLimit: '1Gi' } }], nodeSelector: { a: 'b' }, tolerations: [{ key: 'k', operator: 'Exists' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] }] } } },
    },
  },
  '/api/v1/namespaces/default/services': { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { selector: { a: 'b' }, ports: [{ port: 80, targetPort: 8080, name: 'h', protocol: 'TCP' }], type: 'NodePort', ipFamilies: ['IPv4'] } },
  '/apis/apps/v1/namespaces/default/deployments': {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' },
    spec: { replicas: 1, selector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  },
  '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices': {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'x' }, addressType: 'IPv4',
    endpoints: [{ addresses: ['1.2.3.4'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'p' }, nodeName: 'n', hostname: 'h' }], ports: [{ name: 'a', port: 80, protocol: 'TCP' }],
  },
  '/api/v1/namespaces/default/persistentvolumeclaims': { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'x' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  '/api/v1/namespaces/default/configmaps': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } },
};
const WRONG: unknown[] = [7, 'str', true, [1], { z: 1 }, null, -1.5];

function* fieldPaths(o: unknown, p: string[] = []): Generator<string[]> {
  if (!o || typeof o !== 'object') return;
  for (const k of Object.keys(o)) {
    yield [...p, k];
    yield* fieldPaths((o as Record<string, unknown>)[k], [...p, k]);
  }
}

function setAt(o: Record<string, unknown>, path: string[], v: unknown): Record<string, unknown> {
  const copy = structuredClone(o);
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[path[path.length - 1]] = v;
  return copy;
}

test('every field of six kinds, given each wrong JSON type, is created or refused with a 4xx', { timeout: 300_000 }, async () => {
  const fivehundreds: string[] = [];
  let n = 0;
  for (const [url, base] of Object.entries(BASES)) {
    for (const path of fieldPaths(base)) {
      if (path[0] === 'apiVersion' || path[0] === 'kind') continue;
      for (const w of WRONG) {
        const r = await t.req('POST', url, setAt(base, path, w));
        n++;
        if (r.status >= 500) fivehundreds.push(`${r.status} POST ${url} ${path.join('.')}=${JSON.stringify(w)}: ${r.text.slice(0, 160)}`);
        else assert.ok(r.status === 201 || (r.status >= 400 && (r.body as { kind?: string }).kind === 'Status'), `${path.join('.')}=${JSON.stringify(w)}: ${r.status} ${r.text.slice(0, 160)}`);
        if (r.status === 201) await t.req('DELETE', `${url}/x`, { gracePeriodSeconds: 0 });
      }
    }
  }
  assert.ok(n > 500, `only ${n} requests`);
  assert.deepEqual(fivehundreds, []);
});
