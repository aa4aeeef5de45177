// Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList at /api and /apis): the Accept
// negotiation, the documents' shape, and real kubectl 1.32 using them instead of one request per
// group version.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregatedDiscovery, aggregatedDiscoveryWanted } from './discovery.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { runKubectl, type KubectlResult } from '../testing/kubectl.js';

const KUBECTL_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

test('Accept negotiation: v2 first, v2beta1 when only it is asked, plain JSON otherwise', () => {
  assert.equal(aggregatedDiscoveryWanted(KUBECTL_ACCEPT), 'v2');
  assert.equal(aggregatedDiscoveryWanted('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList, application/json'), 'v2beta1');
  for (const plain of [undefined, '', 'application/json', '*/*', 'application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList', 'application/yaml;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', 'application/json;as=Table;v=v1;g=meta.k8s.io']) {
    assert.equal(aggregatedDiscoveryWanted(plain), undefined, String(plain));
  }
});

test('the documents: the core group unnamed under /api, every named group under /apis, subresources with their kinds', () => {
  const core = aggregatedDiscovery('core', 'v2');
  assert.equal(core.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.equal(core.items.length, 1);
  assert.equal(core.items[0].metadata.name, undefined);
  const pods = core.items[0].versions[0].resources.find((r) => r.resource === 'pods')!;
  assert.deepEqual(pods.responseKind, { group: '', version: 'v1', kind: 'Pod' });
  assert.equal(pods.scope, 'Namespaced');
  assert.ok(pods.subresources?.some((s) => s.subresource === 'binding' && s.responseKind.kind === 'Binding'));
  const groups = aggregatedDiscovery('groups', 'v2beta1');
  assert.equal(groups.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  const names = groups.items.map((i) => i.metadata.name);
  for (const g of ['apps', 'batch', 'storage.k8s.io', 'coordination.k8s.io']) assert.ok(names.includes(g), g);
  const deploy = groups.items.find((i) => i.metadata.name === 'apps')!.versions[0].resources.find((r) => r.resource === 'deployments')!;
  assert.deepEqual(deploy.shortNames, ['deploy']);
  assert.deepEqual(deploy.categories, ['all']);
  assert.deepEqual(deploy.subresources?.find((s) => s.subresource === 'scale')?.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  const sc = groups.items.find((i) => i.metadata.name === 'storage.k8s.io')!.versions[0].resources.find((r) => r.resource === 'storageclasses')!;
  assert.equal(sc.scope, 'Cluster');
});

let env: ControllerTestEnv;
let cacheDir: string;
before(async () => {
  env = await startEnv();
  cacheDir = mkdtempSync(join(tmpdir(), 'tkdisc-'));
});
after(async () => {
  await env?.stop();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

function kubectl(args: string[]): Promise<KubectlResult> {
  return runKubectl(env.kubeconfig, args, { cacheDir });
}

test('the server answers each form with its content type and Vary: Accept', async () => {
  for (const path of ['/api', '/apis']) {
    const agg = await env.t.req('GET', path, undefined, { accept: KUBECTL_ACCEPT });
    assert.equal(agg.status, 200);
    assert.equal(agg.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.equal(agg.headers.get('vary'), 'Accept');
    assert.equal((agg.body as { kind: string }).kind, 'APIGroupDiscoveryList');
    const plain = await env.t.req('GET', path, undefined, { accept: 'application/json' });
    assert.match(plain.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/);
    assert.equal((plain.body as { kind: string }).kind, path === '/api' ? 'APIVersions' : 'APIGroupList');
  }
});

test('kubectl 1.32 discovers every resource from the two aggregated documents alone', async () => {
  const r = await kubectl(['api-resources', '-v=6']);
  assert.equal(r.code, 0, r.stderr);
  for (const line of [/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m, /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m, /^storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass$/m, /^pods\s+po\s+v1\s+true\s+Pod$/m]) {
    assert.match(r.stdout, line);
  }
  // Only /api and /apis were asked: no per-group-version request followed.
  const asked = [...r.stderr.matchAll(/GET https?:\/\/[^/\s]+(\/\S*)/g)].map((m) => m[1].replace(/\?.*$/, ''));
  assert.ok(asked.includes('/api') && asked.includes('/apis'), asked.join(' '));
  assert.deepEqual(asked.filter((p) => /^\/apis?\/[^/]+/.test(p)), [], `legacy per-group discovery requests: ${asked.join(' ')}`);
  const scale = await kubectl(['create', 'deployment', 'd', '--image=busybox']);
  assert.equal(scale.code, 0, scale.stderr);
  const s = await kubectl(['scale', 'deployment', 'd', '--replicas=2']);
  assert.equal(s.code, 0, s.stderr);
  const all = await kubectl(['get', 'all']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /deployment\.apps\/d/);
});
