// Registry credential matching (as upstream's credential keyring) and WWW-Authenticate parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring, keyringKey, parseDockerConfig, urlsMatch } from './keyring.js';
import { parseChallenge } from './registry.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('config.json and .dockercfg entries; auth wins over username/password', () => {
  const a = parseDockerConfig({ auths: { 'r.example.com': { auth: b64('u:p:with:colons'), username: 'x', password: 'y' } } });
  assert.deepEqual(a.get('r.example.com'), { username: 'u', password: 'p:with:colons' });
  const b = parseDockerConfig({ 'https://index.docker.io/v1/': { username: 'hub', password: 'pw', email: 'e' } });
  assert.deepEqual(b.get('https://index.docker.io/v1/'), { username: 'hub', password: 'pw' });
  assert.throws(() => parseDockerConfig([]), /not a JSON object/);
  assert.throws(() => parseDockerConfig({ auths: { h: { auth: b64('nocolon') } } }), /not base64 of user:password/);
  // __proto__ as a key is just a (non-matching) host.
  const p = parseDockerConfig(JSON.parse('{"auths":{"__proto__":{"username":"a","password":"b"}}}'));
  assert.equal(({} as Record<string, unknown>).username, undefined);
  assert.equal(p.size, 1);
});

test('keys: scheme and /v1/, /v2/ dropped, path kept', () => {
  assert.deepEqual(keyringKey('https://Reg.Example.com:5000/v2/team/'), { host: 'reg.example.com:5000', path: '/team/' });
  assert.deepEqual(keyringKey('index.docker.io/v1/'), { host: 'index.docker.io', path: '' });
  assert.deepEqual(keyringKey('http://h/'), { host: 'h', path: '' });
});

test('matching: host labels as globs, same port, path prefix', () => {
  const t = (host: string, path = '') => ({ host, path });
  assert.ok(urlsMatch(t('*.example.com'), t('r.example.com', '/a/b')));
  assert.ok(!urlsMatch(t('*.example.com'), t('example.com', '/a')), 'label count differs');
  assert.ok(!urlsMatch(t('*.example.com'), t('a.b.example.com', '/a')));
  assert.ok(!urlsMatch(t('r.example.com:5000'), t('r.example.com', '/a')), 'port must match');
  assert.ok(urlsMatch(t('r.example.com', '/team'), t('r.example.com', '/team/app')));
  assert.ok(!urlsMatch(t('r.example.com', '/team'), t('r.example.com', '/other/app')));
  assert.ok(urlsMatch(t('r?.example.com'), t('r1.example.com', '/x')));
  assert.ok(!urlsMatch(t('r.example.com'), t('rxexample.com', '/x')), 'a dot is not a wildcard');
});

test('lookup: most specific key first, Docker Hub falls back to index.docker.io, no match is anonymous', () => {
  const k = new Keyring()
    .add(parseDockerConfig({ auths: { 'r.example.com': { username: 'host' }, 'r.example.com/team': { username: 'team' }, '*.example.com': { username: 'glob' } } }))
    .add(parseDockerConfig({ 'https://index.docker.io/v1/': { username: 'hub' } }));
  assert.deepEqual(k.lookup('r.example.com/team/app:v1').map((a) => a.username), ['team', 'host', 'glob']);
  assert.deepEqual(k.lookup('r.example.com/other/app').map((a) => a.username), ['host', 'glob']);
  assert.deepEqual(k.lookup('busybox').map((a) => a.username), ['hub']);
  assert.deepEqual(k.lookup('docker.io/someone/app').map((a) => a.username), ['hub']);
  assert.deepEqual(k.lookup('127.0.0.1:5000/app'), []);
  assert.deepEqual(k.lookup('r.example.com:443/app'), [], 'an explicit port is another key');
});

test('WWW-Authenticate challenges', () => {
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull"'),
    { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull' } });
  assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
  assert.deepEqual(parseChallenge('Bearer realm="a\\"b",error=insufficient_scope'), { scheme: 'bearer', params: { realm: 'a\\"b', error: 'insufficient_scope' } });
  assert.deepEqual(parseChallenge('Basic'), { scheme: 'basic', params: {} });
});
