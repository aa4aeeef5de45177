// autoscaling/v2 HorizontalPodAutoscalers stored once and served as v1 too, on a real apiserver
// and etcd, driven by real kubectl (`kubectl autoscale` writes autoscaling/v1).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kubectl } from '../testing/controllers-apps.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';

let env: ControllerTestEnv;
const v2 = () => `/apis/autoscaling/v2/namespaces/${env.ns}/horizontalpodautoscalers`;
const v1 = () => `/apis/autoscaling/v1/namespaces/${env.ns}/horizontalpodautoscalers`;

before(async () => {
  env = await startEnv();
  await env.t.req('POST', `/apis/apps/v1/namespaces/${env.ns}/deployments`, {
    metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '50m' } } }] } } },
  });
});
after(async () => env?.stop());

test('discovery: autoscaling v2 preferred, v1 served, hpa short name', async () => {
  const g = (await env.t.req('GET', '/apis/autoscaling')).body as { preferredVersion: { version: string }; versions: { version: string }[] };
  assert.equal(g.preferredVersion.version, 'v2');
  assert.deepEqual(g.versions.map((v) => v.version), ['v2', 'v1']);
  const r = (await env.t.req('GET', '/apis/autoscaling/v1')).body as { resources: { name: string; shortNames?: string[] }[] };
  assert.deepEqual(r.resources.map((x) => x.name), ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']);
});

test('kubectl autoscale creates one object, read back as v1 and as v2 with defaults; kubectl get shows TARGETS', async () => {
  const out = await kubectl(env.kubeconfig, ['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=3']);
  assert.match(out, /horizontalpodautoscaler.autoscaling\/web autoscaled/);
  const a = (await env.t.req('GET', `${v1()}/web`)).body as { apiVersion: string; spec: { targetCPUUtilizationPercentage: number; minReplicas: number; maxReplicas: number; scaleTargetRef: { kind: string } } };
  assert.equal(a.apiVersion, 'autoscaling/v1');
  assert.deepEqual([a.spec.targetCPUUtilizationPercentage, a.spec.minReplicas, a.spec.maxReplicas, a.spec.scaleTargetRef.kind], [50, 1, 3, 'Deployment']);
  const b = (await env.t.req('GET', `${v2()}/web`)).body as { apiVersion: string; spec: { metrics: unknown[] }; metadata: { annotations?: Record<string, string> } };
  assert.equal(b.apiVersion, 'autoscaling/v2');
  assert.deepEqual(b.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
  assert.equal(b.metadata.annotations, undefined, 'no conversion annotations in the stored form');
  const list = (await env.t.req('GET', v1())).body as { kind: string; apiVersion: string; items: { apiVersion: string }[] };
  assert.deepEqual([list.kind, list.apiVersion, list.items[0].apiVersion], ['HorizontalPodAutoscalerList', 'autoscaling/v1', 'autoscaling/v1']);
  const table = await kubectl(env.kubeconfig, ['get', 'hpa']);
  assert.match(table, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE/m);
  assert.match(table, /^web\s+Deployment\/web\s+cpu: <unknown>\/50%\s+1\s+3\s+0\s+/m);
  const described = await kubectl(env.kubeconfig, ['describe', 'hpa', 'web']);
  assert.match(described, /Reference:\s+Deployment\/web/);
  assert.match(described, /Min replicas:\s+1/);
  assert.match(described, /Max replicas:\s+3/);
});

test('v2 fields survive a v1 update (behavior and memory metric kept through the annotations)', async () => {
  const created = await env.t.req('POST', v2(), {
    metadata: { name: 'mem' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 4,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 5 } },
    },
  });
  assert.equal(created.status, 201, created.text);
  const c = created.body as { spec: { minReplicas: number; behavior: { scaleDown: { stabilizationWindowSeconds: number; selectPolicy: string; policies: unknown[] }; scaleUp: { stabilizationWindowSeconds: number; policies: unknown[] } } } };
  assert.equal(c.spec.minReplicas, 1);
  assert.deepEqual(c.spec.behavior.scaleDown, { stabilizationWindowSeconds: 5, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  assert.deepEqual(c.spec.behavior.scaleUp.policies, [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]);
  const viaV1 = (await env.t.req('GET', `${v1()}/mem`)).body as { spec: { maxReplicas: number }; metadata: { annotations: Record<string, string> } };
  assert.ok(viaV1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'].includes('memory'));
  viaV1.spec.maxReplicas = 6;
  const put = await env.t.req('PUT', `${v1()}/mem`, viaV1);
  assert.equal(put.status, 200, put.text);
  const after = (await env.t.req('GET', `${v2()}/mem`)).body as { spec: { maxReplicas: number; metrics: { resource: { name: string } }[]; behavior: { scaleDown: { stabilizationWindowSeconds: number } } }; metadata: { annotations?: Record<string, string> } };
  assert.equal(after.spec.maxReplicas, 6);
  assert.deepEqual(after.spec.metrics.map((m) => m.resource.name), ['cpu', 'memory']);
  assert.equal(after.spec.behavior.scaleDown.stabilizationWindowSeconds, 5);
  assert.equal(after.metadata.annotations, undefined);
  const patched = await env.t.req('PATCH', `${v1()}/mem`, { spec: { targetCPUUtilizationPercentage: 70 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal((patched.body as { spec: { targetCPUUtilizationPercentage: number } }).spec.targetCPUUtilizationPercentage, 70);
});

test('invalid HPAs: 422 with upstream field paths and words, nothing written', async () => {
  const bad = async (spec: unknown, field: string, message: RegExp, path = v2()) => {
    const r = await env.t.req('POST', path, { metadata: { name: 'bad' }, spec });
    assert.equal(r.status, 422, r.text);
    const causes = (r.body as { details: { causes: { field: string; message: string }[] } }).details.causes;
    assert.ok(causes.some((c) => c.field === field && message.test(c.message)), `${field}: ${JSON.stringify(causes)}`);
  };
  const ref = { kind: 'Deployment', name: 'web' };
  await bad({ scaleTargetRef: ref, maxReplicas: 0 }, 'spec.maxReplicas', /must be greater than 0/);
  await bad({ scaleTargetRef: ref, minReplicas: 5, maxReplicas: 3 }, 'spec.maxReplicas', /must be greater than or equal to `minReplicas`/);
  await bad({ scaleTargetRef: ref, minReplicas: 0, maxReplicas: 3 }, 'spec.minReplicas', /must be greater than or equal to 1/);
  await bad({ scaleTargetRef: { kind: 'Deployment' }, maxReplicas: 3 }, 'spec.scaleTargetRef.name', /Required value/);
  await bad({ scaleTargetRef: ref, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] }, 'spec.metrics[0].resource.target.averageUtilization', /must set either a target raw value or a target utilization/);
  await bad({ scaleTargetRef: ref, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: -5 } } }] }, 'spec.metrics[0].resource.target.averageUtilization', /must be greater than 0/);
  await bad({ scaleTargetRef: ref, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 4000 } } }, 'spec.behavior.scaleDown.stabilizationWindowSeconds', /must be less than or equal to 3600/);
  await bad({ scaleTargetRef: ref, maxReplicas: 3, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } }, 'spec.behavior.scaleUp.policies[0].value', /must be greater than zero/);
  await bad({ scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 0 }, 'spec.metrics[0].resource.target.averageUtilization', /must be greater than 0/, v1());
  assert.equal((await env.t.req('GET', `${v2()}/bad`)).status, 404);
});

test('hostile HPAs: wrong types, prototype keys and huge numbers are 4xx, never 500', async () => {
  const ref = { kind: 'Deployment', name: 'web' };
  const specs: unknown[] = [
    'x', null, [], { scaleTargetRef: 'x', maxReplicas: 1 }, { scaleTargetRef: ref, maxReplicas: 'many' }, { scaleTargetRef: ref, maxReplicas: 1e300 },
    { scaleTargetRef: ref, maxReplicas: 2, metrics: 'cpu' }, { scaleTargetRef: ref, maxReplicas: 2, metrics: [null, 3] },
    { scaleTargetRef: ref, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: 'x' } }] },
    { scaleTargetRef: ref, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: 'lots' } } }] },
    { scaleTargetRef: ref, maxReplicas: 2, behavior: 'fast' }, { scaleTargetRef: ref, maxReplicas: 2, behavior: { scaleUp: 'x' } },
    { scaleTargetRef: ref, maxReplicas: 2, behavior: { scaleDown: { policies: [{ type: 'Percent', value: 1e12, periodSeconds: 99999 }] } } },
    JSON.parse('{"scaleTargetRef":{"kind":"Deployment","name":"web","__proto__":{"x":1}},"maxReplicas":2,"metrics":[{"__proto__":{"type":"Resource"}}]}'),
  ];
  for (const [i, spec] of specs.entries()) {
    // The first six are wrong in fields v1 has too; the rest are v2 fields, which v1 does not know (and drops).
    for (const path of i < 6 ? [v2(), v1()] : [v2()]) {
      const r = await env.t.req('POST', path, { metadata: { name: `hostile-${i}` }, spec });
      assert.ok(r.status >= 400 && r.status < 500, `${path} ${JSON.stringify(spec)}: ${r.status} ${r.text}`);
    }
  }
  const v1Annotations = await env.t.req('POST', v1(), { metadata: { name: 'ann', annotations: { 'autoscaling.alpha.kubernetes.io/metrics': '{not json', 'autoscaling.alpha.kubernetes.io/behavior': '[1,2]' } }, spec: { scaleTargetRef: ref, maxReplicas: 2 } });
  assert.ok(v1Annotations.status < 500, v1Annotations.text);
});
