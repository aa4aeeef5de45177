// The schema-driven bad-input test: for every served kind, walk its OpenAPI schema (the
// generated definitions the server publishes) and create objects with a wrong-typed or hostile
// value at each field path. Every answer must be a success or a 4xx Status: never a 500, never a
// dropped connection. Real apiserver, real etcd.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFINITIONS } from '../api/openapi-definitions.js';
import { refName, type Schema } from '../api/openapi-schema.js';
import { RESOURCES, apiVersionOf } from '../api/resources.js';
import { startTestApi, type TestApi } from '../testing/cluster.js';
import { definitionOf } from './openapi-documents.js';

let api: TestApi;
/** Per resource URL: the name of one object the create pass stored, for the patch pass. */
const stored = new Map<string, { url: string; def: string; kind: string }>();
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api?.stop();
});

/** Field paths of a schema, following refs, to a bounded depth (arrays step into their first element). */
function fieldPaths(s: Schema, depth: number, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (depth === 0) return out;
  const resolved = s.$ref ? DEFINITIONS[refName(s.$ref)] : s;
  for (const [k, p] of Object.entries(resolved.properties ?? {})) {
    if (prefix.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
    const path = [...prefix, k];
    out.push(path);
    const inner = p.$ref ? DEFINITIONS[refName(p.$ref)] : p;
    if (inner.type === 'array' && inner.items) {
      out.push([...path, 0]);
      fieldPaths(inner.items, depth - 1, [...path, 0], out);
    } else if (inner.properties) {
      fieldPaths(inner, depth - 1, path, out);
    }
  }
  return out;
}

/** Runs the tasks with at most `width` in flight: the apiserver and etcd overlap what one request at a time leaves idle. */
async function inPool(tasks: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) await tasks[next++]();
    }),
  );
}

const HOSTILE: [string, unknown][] = [
  ['string', 'x'],
  ['huge number', 1e308],
  ['negative', -9007199254740991],
  ['object', { a: 1 }],
  ['array', ['a', 1]],
  ['null', null],
  ['__proto__ object', JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":1}}')],
];

function setAt(obj: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i];
    const next = typeof path[i + 1] === 'number' ? [] : {};
    if (cur[k] === undefined || cur[k] === null || typeof cur[k] !== 'object') cur[k] = next;
    cur = cur[k] as Record<string | number, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

test('every served kind: wrong-typed values at every field path are answered 2xx or a 4xx Status, never a 500', async () => {
  let requests = 0;
  let refused = 0;
  const failures: string[] = [];
  let n = 0;
  const tasks: (() => Promise<void>)[] = [];
  for (const r of RESOURCES) {
    if (!r.verbs.includes('create') || r.resource === 'bindings') continue;
    const def = definitionOf({ group: r.group, version: r.version, kind: r.kind });
    assert.ok(def, `${r.kind} has a schema`);
    const base = r.group === '' ? '/api/v1' : `/apis/${r.group}/${r.version}`;
    const url = `${base}${r.namespaced ? '/namespaces/default' : ''}/${r.resource}`;
    const paths = fieldPaths(DEFINITIONS[def], 4);
    for (const path of paths) {
      for (const [label, value] of HOSTILE) {
        const name = `fz-${n++}`;
        const obj: Record<string, unknown> = { apiVersion: apiVersionOf(r), kind: r.kind, metadata: { name } };
        if (path[0] === 'metadata' && path[1] === 'name') continue;
        setAt(obj, path, value);
        if (path[0] === 'metadata' && typeof obj.metadata === 'object' && obj.metadata !== null && !Array.isArray(obj.metadata)) (obj.metadata as Record<string, unknown>).name ??= name;
        tasks.push(async () => {
          const res = await api.req('POST', url, JSON.stringify(obj));
          requests++;
          const where = `${r.kind} ${path.join('.')} = ${label}: ${res.status} ${res.text.slice(0, 200)}`;
          if (res.status === 201 && !stored.has(url)) stored.set(url, { url: `${url}/${name}`, def, kind: r.kind });
          if (res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400)) failures.push(where);
          else if (res.status >= 400) {
            refused++;
            const st = res.body as { kind?: string; code?: number } | undefined;
            if (st?.kind !== 'Status' || st.code !== res.status) failures.push(`not a Status: ${where}`);
          }
        });
      }
    }
  }
  await inPool(tasks, 8);
  assert.deepEqual(failures, []);
  assert.ok(requests > 2000 && refused > requests / 2, `${requests} requests, ${refused} refused`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal((await api.req('GET', '/readyz')).status, 200);
});

/** Valid objects of the kinds a lone field never makes valid (they need a spec). */
const tmpl = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
const BASES: Record<string, unknown> = {
  pods: { spec: { containers: [{ name: 'c', image: 'i' }] } },
  services: { spec: { ports: [{ port: 80 }] } },
  replicationcontrollers: { spec: { selector: { a: 'b' }, template: tmpl } },
  deployments: { spec: { selector: { matchLabels: { a: 'b' } }, template: tmpl } },
  replicasets: { spec: { selector: { matchLabels: { a: 'b' } }, template: tmpl } },
  daemonsets: { spec: { selector: { matchLabels: { a: 'b' } }, template: tmpl } },
  statefulsets: { spec: { selector: { matchLabels: { a: 'b' } }, template: tmpl, serviceName: 's' } },
  jobs: { spec: { template: { spec: { ...tmpl.spec, restartPolicy: 'Never' } } } },
  cronjobs: { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { ...tmpl.spec, restartPolicy: 'Never' } } } } } },
  persistentvolumeclaims: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  persistentvolumes: { spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: '/tmp/x' } } },
  events: { involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' } },
  storageclasses: { provisioner: 'x' },
  controllerrevisions: { revision: 1, data: { spec: {} } },
};

test('every served kind: strategic merge patches with the same values on a stored object (update validation) never answer a 500', async () => {
  const failures: string[] = [];
  let requests = 0;
  for (const r of RESOURCES) {
    if (!r.verbs.includes('create') || !r.verbs.includes('patch') || !Object.prototype.hasOwnProperty.call(BASES, r.resource)) continue;
    const base = r.group === '' ? '/api/v1' : `/apis/${r.group}/${r.version}`;
    const url = `${base}${r.namespaced ? '/namespaces/default' : ''}/${r.resource}`;
    const res = await api.req('POST', url, { apiVersion: apiVersionOf(r), kind: r.kind, metadata: { name: 'fz-base' }, ...(BASES[r.resource] as object) });
    assert.equal(res.status, 201, `${r.kind}: ${res.text}`);
    stored.set(url, { url: `${url}/fz-base`, def: definitionOf({ group: r.group, version: r.version, kind: r.kind })!, kind: r.kind });
  }
  assert.ok(stored.size >= 18, `objects stored for ${stored.size} resources`);
  // One object's patches in order, the objects side by side.
  const perObject = [...stored.values()].map(({ url, def, kind }) => async () => {
    for (const path of fieldPaths(DEFINITIONS[def], 2)) {
      if (path[0] === 'metadata' && (path[1] === 'name' || path[1] === 'resourceVersion')) continue;
      // The type-shaped values (numbers were covered on create, and cost the most time here).
      for (const [label, value] of HOSTILE.filter(([l]) => !l.includes('number') && l !== 'negative')) {
        const patch: Record<string, unknown> = {};
        setAt(patch, path, value);
        // Strategic merge: the patch kind with the most type-dependent code (keyed lists, directives).
        for (const [type, body] of [['application/strategic-merge-patch+json', patch]] as const) {
          const res = await api.req('PATCH', url, JSON.stringify(body), { 'content-type': type });
          requests++;
          if (res.status >= 500 || res.status < 200) failures.push(`${kind} ${type} ${path.join('.')} = ${label}: ${res.status} ${res.text.slice(0, 200)}`);
          else if (res.status >= 400 && (res.body as { kind?: string } | undefined)?.kind !== 'Status') failures.push(`not a Status: ${kind} ${path.join('.')} = ${label}`);
        }
      }
    }
  });
  await inPool(perObject, 8);
  assert.deepEqual(failures, []);
  assert.ok(requests > 500, `${requests} requests`);
  assert.equal((await api.req('GET', '/readyz')).status, 200);
});
