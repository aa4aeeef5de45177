import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFINITIONS_FILE, generateDefinitions, renderDefinitions, repoRootDir } from '../testing/openapi-gen.js';
import { DEFINITIONS } from './openapi-definitions.js';
import { RESOURCES } from './resources.js';
import { refName, type Schema } from './openapi-schema.js';

test('api/openapi-definitions.ts is what the generator makes of the types in api/ today', () => {
  const root = repoRootDir();
  const committed = readFileSync(join(root, DEFINITIONS_FILE), 'utf8');
  assert.ok(committed === renderDefinitions(generateDefinitions(root)), `${DEFINITIONS_FILE} is stale: run \`npx tsc -p tsconfig.json && node dist-test/testing/openapi-gen.js\``);
});

test('every served kind with a type has a definition with its group-version-kind, and every $ref resolves', () => {
  for (const r of RESOURCES) {
    const found = Object.values(DEFINITIONS).some((d) => d['x-kubernetes-group-version-kind']?.some((g) => g.kind === r.kind && g.group === r.group && g.version === r.version));
    assert.ok(found, `${r.kind} (${r.group}/${r.version}) has no definition`);
  }
  const walk = (s: Schema) => {
    if (s.$ref) assert.ok(DEFINITIONS[refName(s.$ref)], `dangling ${s.$ref}`);
    for (const p of Object.values(s.properties ?? {})) walk(p);
    if (s.items) walk(s.items);
    if (s.additionalProperties) walk(s.additionalProperties);
  };
  for (const d of Object.values(DEFINITIONS)) walk(d);
});

test('upstream names, formats and special types', () => {
  const pod = DEFINITIONS['io.k8s.api.core.v1.Pod'];
  assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.equal(pod.properties!.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  const spec = DEFINITIONS['io.k8s.api.core.v1.PodSpec'];
  assert.deepEqual(spec.properties!.terminationGracePeriodSeconds.format, 'int64');
  assert.deepEqual(spec.required, ['containers']);
  const port = DEFINITIONS['io.k8s.api.core.v1.ContainerPort'];
  assert.equal(port.properties!.containerPort.format, 'int32');
  assert.ok(port.properties!.containerPort.description);
  assert.equal(DEFINITIONS['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
  assert.equal(DEFINITIONS['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
  assert.equal(DEFINITIONS['io.k8s.api.core.v1.ResourceRequirements'].properties!.limits.additionalProperties!.$ref, '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity');
  assert.equal(DEFINITIONS['io.k8s.api.apps.v1.RollingUpdateDeployment'].properties!.maxSurge.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.equal(DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties!.creationTimestamp.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time');
  assert.ok(DEFINITIONS['io.k8s.api.coordination.v1.LeaseSpec'], 'Lease parts take the Lease group');
  assert.ok(DEFINITIONS['io.k8s.api.autoscaling.v1.Scale']);
  assert.deepEqual(DEFINITIONS['io.k8s.api.core.v1.PodList']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'PodList', version: 'v1' }]);
});

test('strategic-merge rules become the patch and list-type extensions', () => {
  const containers = DEFINITIONS['io.k8s.api.core.v1.PodSpec'].properties!.containers;
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-list-type'], 'map');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  const ports = DEFINITIONS['io.k8s.api.core.v1.Container'].properties!.ports;
  assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.equal(DEFINITIONS['io.k8s.api.core.v1.PodSpec'].properties!.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  const finalizers = DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties!.finalizers;
  assert.equal(finalizers['x-kubernetes-list-type'], 'set');
  assert.equal(DEFINITIONS['io.k8s.api.core.v1.Volume']['x-kubernetes-preserve-unknown-fields'], true);
});
