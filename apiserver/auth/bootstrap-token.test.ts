import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from '../../api/core.js';
import { bootstrapTokenSecret, nodeCredential } from '../../api/bootstrap-token.js';
import type { ApiRequest } from '../http/request.js';
import { bootstrapTokenAuthenticator } from './bootstrap-token.js';

const withToken = (token?: string) => ({ headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }) as unknown as ApiRequest;
const t = { id: 'abcdef', secret: '0123456789abcdef' };
const now = Date.parse('2026-01-01T00:00:00Z');

function authn(secrets: Secret[], at = now) {
  return bootstrapTokenAuthenticator((name) => Promise.resolve(secrets.find((s) => s.metadata.name === name)), () => at);
}

test('a valid token is system:bootstrap:<id> in system:bootstrappers; other credentials are not its business', async () => {
  const a = authn([bootstrapTokenSecret(t, 3_600_000, now)]);
  const u = await a(withToken('abcdef.0123456789abcdef'));
  assert.equal(u?.username, 'system:bootstrap:abcdef');
  assert.ok(u?.groups.includes('system:bootstrappers'));
  assert.equal(await a(withToken()), null);
  assert.equal(await a(withToken('some-admin-token')), null);
});

test('expired, unknown or wrong tokens are 401', async () => {
  const s = bootstrapTokenSecret(t, 60_000, now);
  await assert.rejects(async () => authn([s], now + 60_000)(withToken('abcdef.0123456789abcdef')), (e: { code?: number }) => e.code === 401);
  await assert.rejects(async () => authn([])(withToken('abcdef.0123456789abcdef')), (e: { code?: number }) => e.code === 401);
  await assert.rejects(async () => authn([s])(withToken('abcdef.0123456789abcdee')), (e: { code?: number }) => e.code === 401);
});

test('node credentials are system:node:<name> in system:nodes, and die with their token', async () => {
  const s = bootstrapTokenSecret(t, 60_000, now);
  const cred = nodeCredential(t, 'node-2');
  const u = await authn([s])(withToken(cred));
  assert.deepEqual(u, { username: 'system:node:node-2', groups: ['system:nodes'] });
  await assert.rejects(async () => authn([s], now + 60_000)(withToken(cred)), (e: { code?: number }) => e.code === 401);
  await assert.rejects(async () => authn([])(withToken(cred)), (e: { code?: number }) => e.code === 401);
  await assert.rejects(async () => authn([bootstrapTokenSecret({ id: 'abcdef', secret: 'ffffffffffffffff' }, 0, now)])(withToken(cred)), (e: { code?: number }) => e.code === 401);
});
