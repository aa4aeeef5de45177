// CRD validation, structural schema checks, and custom resources against a schema: pruning,
// defaulting and value validation (words and paths as upstream's).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomResourceDefinition } from './apiextensions.js';
import { defaultCRD, validateCRD, validateCRDUpdate } from './validation-apiextensions.js';
import { validateStructural } from './crd-structural.js';
import { applySchemaDefaults, prune, validateAgainstSchema } from './crd-schema.js';
import { evalJSONPath } from './crd-jsonpath.js';

const msgs = (errs: { field?: string; message?: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);

function crd(over: Partial<CustomResourceDefinition['spec']> = {}, name = 'foos.example.com'): CustomResourceDefinition {
  const c: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'foos', kind: 'Foo' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }], ...over },
  };
  defaultCRD(c);
  return c;
}

test('defaults: singular and listKind from kind, conversion None', () => {
  const c = crd();
  assert.equal(c.spec.names.singular, 'foo');
  assert.equal(c.spec.names.listKind, 'FooList');
  assert.deepEqual(c.spec.conversion, { strategy: 'None' });
  assert.deepEqual(validateCRD(c), []);
});

test('CRD rules: versions, names, kind/listKind, shortNames, scale paths, columns', () => {
  const two = crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }, { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] });
  const m = msgs(validateCRD(two));
  assert.ok(m.some((x) => x.startsWith('spec.versions: Invalid value: ') && x.endsWith('must contain unique version names')));
  assert.ok(m.some((x) => x.endsWith('must have exactly one version marked as storage version')));
  const badNames = crd({ names: { plural: 'Foos', kind: 'Foo', listKind: 'Foo', shortNames: ['f_o'] } }, 'Foos.example.com');
  const n = msgs(validateCRD(badNames));
  assert.ok(n.some((x) => x.startsWith('spec.names.plural: Invalid value: "Foos": ')), n.join('\n'));
  assert.ok(n.includes('spec.names.listKind: Invalid value: "Foo": kind and listKind may not be the same'), n.join('\n'));
  assert.ok(n.some((x) => x.startsWith('spec.names.shortNames[0]: Invalid value: "f_o"')), n.join('\n'));
  const scale = crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } }, subresources: { scale: { specReplicasPath: '.status.x', statusReplicasPath: 'status.y' } }, additionalPrinterColumns: [{ name: 'X', type: 'float', jsonPath: 'spec' }] }] });
  const s = msgs(validateCRD(scale));
  assert.ok(s.includes('spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.x": should be a json path under .spec'), s.join('\n'));
  assert.ok(s.includes('spec.versions[0].subresources.scale.statusReplicasPath: Invalid value: "status.y": must be a simple json path starting with .'), s.join('\n'));
  assert.ok(s.includes('spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "float": must be one of boolean,date,integer,number,string'), s.join('\n'));
  assert.ok(msgs(validateCRD(crd({ preserveUnknownFields: true }))).includes('spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
});

test('updates: group and plural immutable; scope and kind once established', () => {
  const old = crd();
  old.status = { conditions: [{ type: 'Established', status: 'True' }] };
  const next = crd({ scope: 'Cluster', group: 'other.com' });
  const m = msgs(validateCRDUpdate(next, old));
  assert.ok(m.includes('spec.scope: Invalid value: "Cluster": field is immutable'));
  assert.ok(m.includes('spec.group: Invalid value: "other.com": field is immutable'));
  old.status = {};
  assert.ok(!msgs(validateCRDUpdate(next, old)).some((x) => x.startsWith('spec.scope')));
});

test('structural schemas: types required except int-or-string and preserve-unknown-fields', () => {
  assert.deepEqual(validateStructural({ type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true }, b: { 'x-kubernetes-preserve-unknown-fields': true }, c: { type: 'array', items: { type: 'string' } } } }, 's'), []);
  const m = msgs(validateStructural({ properties: { a: {}, l: { type: 'array', items: {} }, n: { type: 'null' }, r: { $ref: '#/x', type: 'string' }, u: { type: 'array', uniqueItems: true, items: { type: 'string' } }, i: { type: 'string', 'x-kubernetes-int-or-string': true } } }, 's'));
  for (const want of [
    's.type: Required value: must not be empty at the root',
    's.properties[a].type: Required value: must not be empty for specified object fields',
    's.properties[l].items.type: Required value: must not be empty for specified array items',
    's.properties[n].type: Forbidden: type cannot be set to null',
    's.properties[r].$ref: Forbidden: $ref is not supported',
    's.properties[u].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
    's.properties[i].type: Invalid value: "string": must be empty if x-kubernetes-int-or-string is true',
  ]) assert.ok(m.includes(want), `${want}\n-- in --\n${m.join('\n')}`);
  assert.ok(msgs(validateStructural({ type: 'string' }, 's')).includes('s.type: Invalid value: "string": must be object at the root'));
  assert.ok(msgs(validateStructural({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }, 's')).includes('s.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified'));
});

const SCHEMA = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 5, default: 2 },
        name: { type: 'string', minLength: 2, nullable: true },
        tags: { type: 'array', maxItems: 2, items: { type: 'string', enum: ['a', 'b'] } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        when: { type: 'string', format: 'date-time' },
        nested: { type: 'object', default: {}, properties: { level: { type: 'string', default: 'info' } } },
      },
    },
  },
};

test('pruning: unknown fields removed and reported; apiVersion/kind/metadata kept; maps keep their keys', () => {
  const obj = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: { size: 1, junk: true, labels: { any: 'thing' } }, top: 1 };
  assert.deepEqual(prune(obj, SCHEMA), ['spec.junk', 'top']);
  assert.deepEqual(obj, { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: { size: 1, labels: { any: 'thing' } } });
});

test('defaulting: nested defaults, never through __proto__', () => {
  const obj = JSON.parse('{"spec":{"__proto__":{"x":1}}}') as Record<string, unknown>;
  applySchemaDefaults(obj, SCHEMA);
  assert.deepEqual(obj.spec, JSON.parse('{"__proto__":{"x":1},"size":2,"nested":{"level":"info"}}'));
  assert.equal(({} as Record<string, unknown>).x, undefined);
  const evil = { type: 'object', properties: JSON.parse('{"__proto__":{"type":"object","default":{"polluted":true}}}') as Record<string, unknown> };
  const o: Record<string, unknown> = {};
  applySchemaDefaults(o, evil);
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('value validation: upstream words and paths', () => {
  const m = msgs(validateAgainstSchema({ spec: { size: 9, name: 'a', tags: ['a', 'c', 'b'], labels: { k: 5 }, when: 'yesterday' } }, SCHEMA));
  for (const want of [
    'spec.size: Invalid value: 9: spec.size in body should be less than or equal to 5',
    'spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long',
    'spec.tags: Too many: 3: must have at most 2 items',
    'spec.tags[1]: Unsupported value: "c": supported values: "a", "b"',
    'spec.labels.k: Invalid value: "integer": spec.labels.k in body must be of type string: "integer"',
    'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
  ]) assert.ok(m.includes(want), `${want}\n-- in --\n${m.join('\n')}`);
  assert.deepEqual(msgs(validateAgainstSchema({ spec: {} }, SCHEMA)), ['spec.size: Required value']);
  assert.deepEqual(validateAgainstSchema({ spec: { size: 3, name: null } }, SCHEMA), [], 'nullable');
});

test('printer-column JSONPath: fields, indexes, filters, own properties only', () => {
  const o = { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False' }] }, spec: { 'a.b': 1 } };
  assert.deepEqual(evalJSONPath(o, '.status.conditions[?(@.type=="Ready")].status'), ['True']);
  assert.deepEqual(evalJSONPath(o, '.status.conditions[1].type'), ['Synced']);
  assert.deepEqual(evalJSONPath(o, '.status.conditions[*].type'), ['Ready', 'Synced']);
  assert.deepEqual(evalJSONPath(o, ".spec['a.b']"), [1]);
  assert.deepEqual(evalJSONPath(o, '.spec.constructor'), []);
  assert.deepEqual(evalJSONPath(o, 'spec'), []);
});
