import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TOKEN_RE,
  bootstrapGroups,
  bootstrapTokenSecret,
  formatBootstrapToken,
  generateBootstrapToken,
  nodeCredential,
  nodeCredentialMatches,
  parseBootstrapToken,
  parseNodeCredential,
  tokenRejection,
} from './bootstrap-token.js';

test('generated tokens have the upstream format and parse back', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const s = formatBootstrapToken(generateBootstrapToken());
    assert.match(s, TOKEN_RE);
    seen.add(s);
    assert.equal(formatBootstrapToken(parseBootstrapToken(s)!), s);
  }
  assert.equal(seen.size, 200);
  for (const bad of ['abcdef.0123456789abcde', 'ABCDEF.0123456789abcdef', 'abcdef0123456789abcdef', 'abcdef.0123456789abcdef ', 'abcde.0123456789abcdefg', 'abcdef.0123456789abcde_']) {
    assert.equal(parseBootstrapToken(bad), undefined, bad);
  }
});

test('the Secret is kubeadm\'s: name, type, namespace, base64 fields, RFC 3339 expiration', () => {
  const t = { id: 'abcdef', secret: '0123456789abcdef' };
  const s = bootstrapTokenSecret(t, 3_600_000, Date.parse('2026-01-01T00:00:00Z'), 'for node 2');
  assert.equal(s.metadata.name, 'bootstrap-token-abcdef');
  assert.equal(s.metadata.namespace, 'kube-system');
  assert.equal(s.type, 'bootstrap.kubernetes.io/token');
  const d = (k: string) => Buffer.from(s.data![k], 'base64').toString();
  assert.equal(d('token-id'), 'abcdef');
  assert.equal(d('token-secret'), '0123456789abcdef');
  assert.equal(d('expiration'), '2026-01-01T01:00:00Z');
  assert.equal(d('usage-bootstrap-authentication'), 'true');
  assert.equal(d('description'), 'for node 2');
  assert.equal(bootstrapTokenSecret(t, 0, 0).data!.expiration, undefined, 'ttl 0: never expires');
});

test('tokens are refused when expired, mismatched, of another type, being deleted or not for authentication', () => {
  const t = { id: 'abcdef', secret: '0123456789abcdef' };
  const now = Date.parse('2026-01-01T00:00:00Z');
  const s = bootstrapTokenSecret(t, 60_000, now);
  assert.equal(tokenRejection(t, s, now), undefined);
  assert.equal(tokenRejection(t, s, now + 59_999), undefined);
  assert.match(tokenRejection(t, s, now + 60_000)!, /expired/);
  assert.match(tokenRejection({ ...t, secret: '0123456789abcdee' }, s, now)!, /does not match/);
  assert.match(tokenRejection({ ...t, id: 'abcdeg' }, s, now)!, /does not match/);
  assert.match(tokenRejection(t, { ...s, type: 'Opaque' }, now)!, /type/);
  assert.match(tokenRejection(t, { ...s, metadata: { ...s.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, now)!, /deleted/);
  assert.match(tokenRejection(t, undefined, now)!, /not found/);
  const noAuth = { ...s, data: { ...s.data, 'usage-bootstrap-authentication': Buffer.from('false').toString('base64') } };
  assert.match(tokenRejection(t, noAuth, now)!, /usage-bootstrap-authentication/);
  const badExp = { ...s, data: { ...s.data, expiration: Buffer.from('soon').toString('base64') } };
  assert.match(tokenRejection(t, badExp, now)!, /expired/, 'an unparsable expiration fails closed');
});

test('extra groups: only system:bootstrappers:* are kept', () => {
  const s = bootstrapTokenSecret({ id: 'abcdef', secret: '0123456789abcdef' }, 0, 0);
  s.data!['auth-extra-groups'] = Buffer.from('system:bootstrappers:x,system:masters,system:bootstrappers:y').toString('base64');
  assert.deepEqual(bootstrapGroups(s), ['system:bootstrappers', 'system:bootstrappers:x', 'system:bootstrappers:y']);
});

test('node credentials: bound to the node name and the token secret', () => {
  const t = { id: 'abcdef', secret: '0123456789abcdef' };
  const c = nodeCredential(t, 'node-2.example');
  const claim = parseNodeCredential(c)!;
  assert.deepEqual({ id: claim.tokenId, node: claim.nodeName }, { id: 'abcdef', node: 'node-2.example' });
  assert.ok(nodeCredentialMatches(claim, t.secret));
  assert.ok(!nodeCredentialMatches(claim, '0123456789abcdee'));
  // Another node's name with this MAC does not pass.
  const forged = c.replace(Buffer.from('node-2.example').toString('base64url'), Buffer.from('node-3.example').toString('base64url'));
  assert.ok(!nodeCredentialMatches(parseNodeCredential(forged)!, t.secret));
  assert.throws(() => nodeCredential(t, 'Bad_Name'));
  assert.equal(parseNodeCredential(`node.abcdef.${Buffer.from('../x').toString('base64url')}.${'0'.repeat(64)}`), undefined);
  assert.equal(parseNodeCredential('abcdef.0123456789abcdef'), undefined);
});
