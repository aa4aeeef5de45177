import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeReference, parseReference, isLoopbackRegistry } from './reference.js';

test('docker-style normalization', () => {
  assert.equal(normalizeReference('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeReference('busybox:1.36'), 'docker.io/library/busybox:1.36');
  assert.equal(normalizeReference('user/app'), 'docker.io/user/app:latest');
  assert.equal(normalizeReference('docker.io/library/busybox:latest'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeReference('index.docker.io/library/busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeReference('host:5000/a/b:tag'), 'host:5000/a/b:tag');
  assert.equal(normalizeReference('localhost/x'), 'localhost/x:latest');
  const d = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseReference(`127.0.0.1:5000/r@${d}`), { domain: '127.0.0.1:5000', path: 'r', tag: undefined, digest: d });
  assert.equal(normalizeReference(`busybox:1@${d}`), `docker.io/library/busybox:1@${d}`);
});

test('invalid references are rejected', () => {
  assert.throws(() => parseReference(''), /empty/);
  assert.throws(() => parseReference('Busybox'), /invalid repository/);
  assert.throws(() => parseReference('a@sha256:xyz'), /invalid digest/);
  assert.throws(() => parseReference('a:b:c'), /invalid/);
});

test('loopback registries are recognized', () => {
  assert.ok(isLoopbackRegistry('127.0.0.1:5000'));
  assert.ok(isLoopbackRegistry('localhost'));
  assert.ok(!isLoopbackRegistry('registry.example.com'));
});
