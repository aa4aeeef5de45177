// CustomResourceDefinitions and their custom resources as kubectl 1.32 meets them: a real
// apiserver on its own etcd, driven over REST and by the real /usr/bin/kubectl.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomResourceDefinition } from '../api/apiextensions.js';
import type { KubeList, KubeObject, Status } from '../api/meta.js';
import type { TestApi } from '../testing/cluster.js';
import { startKubectlApi, type KubectlApi, type KubectlResult } from '../testing/kubectl.js';

let k: KubectlApi;
let api: TestApi;

before(async () => {
  k = await startKubectlApi('tkt-crd-kubectl-');
  api = k.api;
});
after(async () => {
  await k?.stop();
});

const kubectl = (args: string[], input?: string): Promise<KubectlResult> => k.kubectl(args, input);
const ok = (args: string[], input?: string): Promise<string> => k.ok(args, input);

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const CRONTAB_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.labelSelector
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Ready
      type: string
      jsonPath: .status.conditions[?(@.type=="Ready")].status
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [cronSpec]
            properties:
              cronSpec:
                type: string
                pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
              image:
                type: string
                maxLength: 64
              replicas:
                type: integer
                minimum: 0
                maximum: 10
                default: 1
              mode:
                type: string
                enum: [Fast, Slow]
              port:
                x-kubernetes-int-or-string: true
              extra:
                type: object
                x-kubernetes-preserve-unknown-fields: true
          status:
            type: object
            properties:
              replicas: {type: integer}
              labelSelector: {type: string}
              conditions:
                type: array
                items:
                  type: object
                  properties:
                    type: {type: string}
                    status: {type: string}
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;

const CT_PATH = '/apis/stable.example.com/v1/namespaces/default/crontabs';

async function established(name: string): Promise<CustomResourceDefinition> {
  return until(`${name} Established`, async () => {
    const r = await api.req('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const crd = r.body as CustomResourceDefinition;
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? crd : undefined;
  });
}

test('a CRD applied with kubectl is accepted and established, and its kind is served', async () => {
  await ok(['apply', '-f', '-'], CRONTAB_CRD);
  const crd = await established('crontabs.stable.example.com');
  assert.equal(crd.status?.acceptedNames?.kind, 'CronTab');
  assert.deepEqual(crd.status?.acceptedNames?.shortNames, ['ct']);
  assert.deepEqual(crd.status?.storedVersions, ['v1']);
  const names = crd.status?.conditions?.find((c) => c.type === 'NamesAccepted');
  assert.equal(names?.reason, 'NoConflicts');
  assert.equal(crd.spec.names.listKind, 'CronTabList');
  assert.equal(crd.spec.conversion?.strategy, 'None');
  const out = await ok(['api-resources', '--api-group=stable.example.com']);
  assert.match(out, /^crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab$/m);
  assert.match(await ok(['get', 'crd']), /^crontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT/m);
});

test('custom resources: create, get by short name with printer columns, defaults, pruning', async () => {
  const r = await kubectl(['apply', '-f', '-'], `apiVersion: stable.example.com/v1
kind: CronTab
metadata: {name: nightly}
spec:
  cronSpec: "0 3 * * *"
  image: busybox
  port: http
  extra: {anything: [1, 2]}
`);
  assert.equal(r.code, 0, r.stderr);
  const obj = (await api.req('GET', `${CT_PATH}/nightly`)).body as KubeObject & { spec: Record<string, unknown> };
  assert.equal(obj.spec.replicas, 1, 'defaulted from the schema');
  assert.deepEqual(obj.spec.extra, { anything: [1, 2] }, 'kept under x-kubernetes-preserve-unknown-fields');
  assert.equal(obj.metadata.generation, 1);
  const table = await ok(['get', 'ct']);
  assert.match(table, /^NAME\s+SPEC\s+REPLICAS\s+READY\s+AGE$/m);
  assert.match(table, /^nightly\s+0 3 \* \* \*\s+1\s+\d+s$/m, 'an absent value is an empty cell');
  // Unknown fields: Warn (default over REST) prunes with a warning, Strict refuses.
  const warn = await api.req('POST', CT_PATH, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'w' }, spec: { cronSpec: '* * * * *', bogus: 1 } });
  assert.equal(warn.status, 201, warn.text);
  assert.match(warn.headers.get('warning') ?? '', /unknown field \\"spec.bogus\\"/);
  assert.equal(((warn.body as KubeObject).spec as Record<string, unknown>).bogus, undefined);
  const strict = await api.req('POST', `${CT_PATH}?fieldValidation=Strict`, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 's' }, spec: { cronSpec: '* * * * *', bogus: 1 } });
  assert.equal(strict.status, 400);
  assert.equal((strict.body as Status).message, 'strict decoding error: unknown field "spec.bogus"');
  const kube = await kubectl(['apply', '-f', '-'], 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: k}\nspec: {cronSpec: "* * * * *", bogus: 1}\n');
  assert.notEqual(kube.code, 0);
  assert.match(kube.stderr, /unknown field "spec.bogus"/);
});

test('schema validation: 422 with upstream field paths and words', async () => {
  const bad = await api.req('POST', CT_PATH, {
    apiVersion: 'stable.example.com/v1',
    kind: 'CronTab',
    metadata: { name: 'bad' },
    spec: { cronSpec: 'never', replicas: 11, mode: 'Medium', image: 'x'.repeat(65) },
  });
  assert.equal(bad.status, 422, bad.text);
  const st = bad.body as Status;
  assert.match(st.message ?? '', /^CronTab\.stable\.example\.com "bad" is invalid: /);
  const causes = (st.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  assert.ok(causes.includes("spec.cronSpec: Invalid value: \"never\": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'"), causes.join('\n'));
  assert.ok(causes.includes('spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10'), causes.join('\n'));
  assert.ok(causes.includes('spec.mode: Unsupported value: "Medium": supported values: "Fast", "Slow"'), causes.join('\n'));
  assert.ok(causes.some((c) => c.startsWith('spec.image: Too long')), causes.join('\n'));
  const missing = await api.req('POST', CT_PATH, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'm' }, spec: { replicas: 'two' } });
  assert.equal(missing.status, 422);
  const mc = ((missing.body as Status).details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  assert.ok(mc.includes('spec.cronSpec: Required value'), mc.join('\n'));
  assert.ok(mc.includes('spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'), mc.join('\n'));
});

test('patches, status, generation, scale, other served version, watch', async () => {
  // merge patch on spec bumps generation (status subresource on), status writes do not
  const m = await api.req('PATCH', `${CT_PATH}/nightly`, { spec: { image: 'nginx' } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(m.status, 200, m.text);
  assert.equal((m.body as KubeObject).metadata.generation, 2);
  const j = await api.req('PATCH', `${CT_PATH}/nightly`, [{ op: 'add', path: '/spec/mode', value: 'Fast' }], { 'content-type': 'application/json-patch+json' });
  assert.equal(j.status, 200, j.text);
  const smp = await api.req('PATCH', `${CT_PATH}/nightly`, { spec: { image: 'x' } }, { 'content-type': 'application/strategic-merge-patch+json' });
  assert.equal(smp.status, 415);
  assert.match((smp.body as Status).message ?? '', /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml$/);
  // status through the main resource is ignored; through /status it is written
  const ign = await api.req('PATCH', `${CT_PATH}/nightly`, { status: { replicas: 5 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal((ign.body as KubeObject).status, undefined);
  const st = await api.req('PATCH', `${CT_PATH}/nightly/status`, { status: { replicas: 1, labelSelector: 'app=cron', conditions: [{ type: 'Ready', status: 'True' }] } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(st.status, 200, st.text);
  assert.equal((st.body as KubeObject).metadata.generation, 3);
  assert.match(await ok(['get', 'crontab', 'nightly']), /^nightly\s+0 3 \* \* \*\s+1\s+True\s+/m);
  // kubectl scale through the scale subresource
  await ok(['scale', 'crontab/nightly', '--replicas=3']);
  const scale = (await api.req('GET', `${CT_PATH}/nightly/scale`)).body as { spec: { replicas: number }; status: { replicas: number; selector?: string } };
  assert.equal(scale.spec.replicas, 3);
  assert.equal(scale.status.selector, 'app=cron');
  // v1beta1 is the same object, only apiVersion differs (conversion strategy None)
  const beta = (await api.req('GET', '/apis/stable.example.com/v1beta1/namespaces/default/crontabs/nightly')).body as KubeObject;
  assert.equal(beta.apiVersion, 'stable.example.com/v1beta1');
  assert.equal((beta.spec as { replicas: number }).replicas, 3);
  // lists with selectors; a watch sees a change
  await ok(['label', 'crontab', 'nightly', 'tier=night']);
  const sel = (await api.req('GET', `${CT_PATH}?labelSelector=tier%3Dnight`)).body as KubeList;
  assert.deepEqual(sel.items.map((i) => i.metadata.name), ['nightly']);
  assert.equal(sel.kind, 'CronTabList');
  const byName = (await api.req('GET', '/apis/stable.example.com/v1/crontabs?fieldSelector=metadata.name%3Dw')).body as KubeList;
  assert.deepEqual(byName.items.map((i) => i.metadata.name), ['w']);
  const ctrl = new AbortController();
  const res = await fetch(`${api.url}${CT_PATH}?watch=true&resourceVersion=${sel.metadata.resourceVersion}&allowWatchBookmarks=true`, { signal: ctrl.signal });
  const reader = res.body!.getReader();
  await api.req('PATCH', `${CT_PATH}/w`, { metadata: { labels: { seen: 'yes' } } }, { 'content-type': 'application/merge-patch+json' });
  let text = '';
  while (!text.includes('"seen"')) text += new TextDecoder().decode((await reader.read()).value);
  ctrl.abort();
  assert.match(text, /"type":"MODIFIED"/);
});

test('server-side apply creates and updates a custom resource', async () => {
  const doc = (image: string) => `apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: ssa}\nspec: {cronSpec: "*/5 * * * *", image: ${image}}\n`;
  await ok(['apply', '--server-side', '-f', '-'], doc('one'));
  await ok(['apply', '--server-side', '-f', '-'], doc('two'));
  const got = (await api.req('GET', `${CT_PATH}/ssa`)).body as KubeObject;
  assert.equal((got.spec as { image: string }).image, 'two');
  assert.ok(got.metadata.managedFields?.some((f) => f.operation === 'Apply' && f.manager === 'kubectl'), JSON.stringify(got.metadata.managedFields));
});

test('kubectl get all lists custom resources of category all', async () => {
  const out = await ok(['get', 'all']);
  assert.match(out, /crontab\.stable\.example\.com\/nightly/);
});

test('CRD validation: upstream 422s', async () => {
  const post = (crd: unknown) => api.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const base = (over: Record<string, unknown> = {}) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      ...over,
    },
  });
  const causes = async (body: unknown) => {
    const r = await post(body);
    assert.equal(r.status, 422, r.text);
    return ((r.body as Status).details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  };
  assert.ok((await causes({ ...base(), metadata: { name: 'gadgets.example.com' } })).includes('metadata.name: Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group'));
  assert.ok((await causes(base({ group: 'apps' }))).includes('spec.group: Invalid value: "apps": should be a domain with at least one dot'));
  assert.ok((await causes(base({ versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }] }))).some((c) => c.startsWith('spec.versions: Invalid value: ') && c.endsWith('must have exactly one version marked as storage version')));
  assert.ok((await causes(base({ versions: [{ name: 'v1', served: true, storage: true }] }))).includes('spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required'));
  const structural = await causes(base({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } } } } }] }));
  assert.ok(structural.includes('spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields'), structural.join('\n'));
  assert.ok(structural.includes('spec.versions[0].schema.openAPIV3Schema.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive'), structural.join('\n'));
  assert.ok((await causes(base({ scope: 'Global' }))).includes('spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'));
  const k8s = await causes({ ...base({ group: 'apps.k8s.io' }), metadata: { name: 'widgets.apps.k8s.io' } });
  assert.ok(k8s.some((c) => c.startsWith('metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation')), k8s.join('\n'));
});

test('a CRD whose names another CRD of the group holds is not established', async () => {
  const crd = (name: string, plural: string, kind: string) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: { group: 'stable.example.com', scope: 'Cluster', names: { plural, kind, shortNames: ['ct'] }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
  });
  const r = await api.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('crontables.stable.example.com', 'crontables', 'CronTable'));
  assert.equal(r.status, 201, r.text);
  const got = await until('NamesAccepted False', async () => {
    const c = (await api.req('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontables.stable.example.com')).body as CustomResourceDefinition;
    return c.status?.conditions?.some((x) => x.type === 'NamesAccepted' && x.status === 'False') ? c : undefined;
  });
  const na = got.status!.conditions!.find((x) => x.type === 'NamesAccepted')!;
  assert.equal(na.reason, 'ShortNamesConflict');
  assert.equal(na.message, '"ct" is already in use');
  assert.equal(got.status!.conditions!.find((x) => x.type === 'Established')?.status, 'False');
  assert.equal((await api.req('GET', '/apis/stable.example.com/v1/crontables')).status, 404);
  await api.req('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontables.stable.example.com');
});

test('hostile input: __proto__ keys pollute nothing, deep schemas are bounded', async () => {
  const body = JSON.parse('{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"proto"},"spec":{"cronSpec":"* * * * *","extra":{"__proto__":{"polluted":true}},"__proto__":{"replicas":7}}}') as KubeObject;
  const r = await api.req('POST', CT_PATH, body);
  assert.equal(r.status, 201, r.text);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const spec = (r.body as KubeObject).spec as Record<string, unknown>;
  assert.equal(spec.replicas, 1, 'a __proto__ key is an unknown field, pruned; the default applies');
  let deep: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < 200; i++) deep = { type: 'object', properties: { a: deep } };
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'deeps.example.com' },
    spec: { group: 'example.com', scope: 'Cluster', names: { plural: 'deeps', kind: 'Deep' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: deep } }] },
  };
  const d = await api.req('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  assert.equal(d.status, 422, d.text);
  assert.match(d.text, /must not nest more than 64 levels/);
});

test('deleting the CRD deletes its custom resources and stops serving them', async () => {
  await ok(['delete', 'crd', 'crontabs.stable.example.com', '--wait=true', '--timeout=30s']);
  assert.equal((await api.req('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com')).status, 404);
  assert.equal((await api.req('GET', CT_PATH)).status, 404);
  const left = await api.api.storage.list('/registry/stable.example.com/crontabs/');
  assert.equal(left.items.length, 0);
  const disc = (await api.req('GET', '/apis')).body as { groups: { name: string }[] };
  assert.ok(!disc.groups.some((g) => g.name === 'stable.example.com'));
});

test('a custom resource whose metadata has the wrong type is a 400 naming its kind', async () => {
  await ok(['apply', '-f', '-'], CRONTAB_CRD.replace(/crontabs/g, 'crontabz').replace(/CronTab/g, 'CronTabZ').replace(/shortNames: \[ct\]/, 'shortNames: [ctz]'));
  await established('crontabz.stable.example.com');
  const r = await api.req('POST', '/apis/stable.example.com/v1/namespaces/default/crontabz', { apiVersion: 'stable.example.com/v1', kind: 'CronTabZ', metadata: { name: 'm', labels: 5 }, spec: { cronSpec: '* * * * *' } });
  assert.equal(r.status, 400, r.text);
  assert.match((r.body as Status).message ?? '', /^CronTabZ in version "stable\.example\.com\/v1" cannot be handled as a CronTabZ: /);
  assert.doesNotMatch(r.text, /ConfigMap/);
});
