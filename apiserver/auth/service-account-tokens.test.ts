// ServiceAccounts, TokenRequest, TokenReview and service-account token authentication on a real
// apiserver and etcd: what a token says, who it authenticates as, and every way it is refused.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startTestApi, type TestApi } from '../../testing/cluster.js';
import { signServiceAccountToken, signingKeysFromPem, type ServiceAccountClaims } from './sa-jwt.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from '../server.js';

const ADMIN = 'admin-secret';
const pem = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) => k.export({ type: 'pkcs8', format: 'pem' }) as string;
const signingKey = pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);

interface Obj {
  metadata?: { uid?: string; name?: string };
  status?: Record<string, unknown> & { token?: string; expirationTimestamp?: string };
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string }[] };
  items?: unknown[];
}

describe('service-account tokens', { timeout: 120_000 }, () => {
  let t: TestApi;
  const ns = 'sa-test';
  /** A request with `token` as the bearer (not the admin's). */
  const as = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(t.url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Obj };
  };
  const tokenFor = async (name: string, spec: Record<string, unknown> = {}) => t.req('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
  const pod = (name: string, sa = 'robot') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { serviceAccountName: sa, nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });

  before(async () => {
    t = await startTestApi({ token: ADMIN, serviceAccounts: { signingKey } });
    assert.equal((await t.req('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status, 201);
    for (const name of ['robot', 'default']) assert.equal((await t.req('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name } })).status, 201);
  });
  after(async () => t?.stop());

  it('serves ServiceAccounts with validation and kubectl columns, and lists authentication.k8s.io in discovery', async () => {
    for (const sys of ['default', 'kube-system']) assert.equal((await t.req('GET', `/api/v1/namespaces/${sys}/serviceaccounts/default`)).status, 200, `bootstrap made ${sys}/default`);
    const bad = await t.req('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'Bad_Name' } });
    assert.equal(bad.status, 422);
    const table = (await t.req('GET', `/api/v1/namespaces/${ns}/serviceaccounts`, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).body as { columnDefinitions: { name: string }[] };
    assert.deepEqual(table.columnDefinitions.map((c) => c.name), ['Name', 'Secrets', 'Age']);
    const groups = (await t.req('GET', '/apis')).body as { groups: { name: string }[] };
    assert.ok(groups.groups.some((g) => g.name === 'authentication.k8s.io'));
    const v1 = (await t.req('GET', '/api/v1')).body as { resources: { name: string; kind: string; group?: string }[] };
    assert.ok(v1.resources.some((r) => r.name === 'serviceaccounts/token' && r.kind === 'TokenRequest' && r.group === 'authentication.k8s.io'));
  });

  it('issues a TokenRequest with upstream defaults and claims', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await tokenFor('robot');
    assert.equal(r.status, 201, r.text);
    const tr = r.body as Obj & { spec: { audiences: string[]; expirationSeconds: number } };
    assert.deepEqual(tr.spec.audiences, [DEFAULT_SERVICE_ACCOUNT_ISSUER]);
    assert.equal(tr.spec.expirationSeconds, 3600);
    const claims = decodeJwt(tr.status!.token!) as unknown as ServiceAccountClaims;
    assert.equal(decodeProtectedHeader(tr.status!.token!).alg, 'ES256');
    assert.equal(claims.iss, DEFAULT_SERVICE_ACCOUNT_ISSUER);
    assert.equal(claims.sub, `system:serviceaccount:${ns}:robot`);
    assert.ok(claims.exp - claims.iat === 3600 && claims.iat >= before && claims.nbf === claims.iat && claims.jti);
    assert.equal(Date.parse(tr.status!.expirationTimestamp!) / 1000, claims.exp);
    const sa = (await t.req('GET', `/api/v1/namespaces/${ns}/serviceaccounts/robot`)).body as Obj;
    assert.deepEqual(claims['kubernetes.io'], { namespace: ns, serviceaccount: { name: 'robot', uid: sa.metadata!.uid } });
  });

  it('refuses bad TokenRequests in upstream words', async () => {
    const short = await tokenFor('robot', { expirationSeconds: 599 });
    assert.equal(short.status, 422);
    assert.match((short.body as Obj).message!, /spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes/);
    assert.equal((await tokenFor('ghost')).status, 404);
    const noPod = await tokenFor('robot', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'nope' } });
    assert.equal(noPod.status, 404);
    assert.equal((noPod.body as Obj).message, 'pods "nope" not found');
    const kind = await tokenFor('robot', { boundObjectRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' } });
    assert.equal(kind.status, 400);
    assert.match((kind.body as Obj).message!, /cannot bind token to object of type apps\/v1, Kind=Deployment/);
    assert.equal((await t.req('GET', `/api/v1/namespaces/${ns}/serviceaccounts/robot/token`)).status, 405);
    assert.equal((await t.req('POST', `/api/v1/namespaces/${ns}/serviceaccounts/robot/token`, '[1,2]')).status, 400);
  });

  it('authenticates its tokens as the service account, with TokenReview saying who', async () => {
    const token = (await tokenFor('robot')).body as Obj;
    const list = await as(token.status!.token!, 'GET', `/api/v1/namespaces/${ns}/pods`);
    assert.equal(list.status, 200);
    const review = await t.req('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: token.status!.token } });
    assert.equal(review.status, 201);
    const st = (review.body as Obj).status as { authenticated: boolean; user: { username: string; groups: string[]; uid: string; extra: Record<string, string[]> }; audiences: string[] };
    assert.equal(st.authenticated, true);
    assert.equal(st.user.username, `system:serviceaccount:${ns}:robot`);
    assert.deepEqual(st.user.groups, ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated']);
    assert.match(st.user.extra['authentication.kubernetes.io/credential-id'][0], /^JTI=/);
    assert.deepEqual(st.audiences, [DEFAULT_SERVICE_ACCOUNT_ISSUER]);
    // Another audience is not this server's.
    const other = (await tokenFor('robot', { audiences: ['vault'] })).body as Obj;
    assert.equal((await as(other.status!.token!, 'GET', `/api/v1/namespaces/${ns}/pods`)).status, 401);
    const forVault = (await t.req('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: other.status!.token, audiences: ['vault'] } })).body as Obj;
    assert.equal(forVault.status!.authenticated, true);
    assert.deepEqual(forVault.status!.audiences, ['vault']);
    assert.equal((await t.req('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: {} })).status, 400);
  });

  it('binds tokens to a pod: the pod named in the claims and extra, the token dead with the pod', async () => {
    assert.equal((await t.req('POST', `/api/v1/namespaces/${ns}/pods`, pod('p1'))).status, 201);
    const p1 = (await t.req('GET', `/api/v1/namespaces/${ns}/pods/p1`)).body as Obj;
    const wrongUid = await tokenFor('robot', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p1', uid: 'not-it' } });
    assert.equal(wrongUid.status, 409);
    const otherSA = await t.req('POST', `/api/v1/namespaces/${ns}/pods`, pod('p2', 'default'));
    assert.equal(otherSA.status, 201);
    assert.equal((await tokenFor('robot', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p2' } })).status, 400);
    const bound = (await tokenFor('robot', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p1', uid: p1.metadata!.uid } })).body as Obj;
    const tok = bound.status!.token!;
    const claims = decodeJwt(tok) as unknown as ServiceAccountClaims;
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'p1', uid: p1.metadata!.uid });
    const review = (await t.req('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: tok } })).body as Obj;
    const extra = (review.status!.user as { extra: Record<string, string[]> }).extra;
    assert.deepEqual(extra['authentication.kubernetes.io/pod-name'], ['p1']);
    assert.deepEqual(extra['authentication.kubernetes.io/pod-uid'], [p1.metadata!.uid]);
    assert.equal((await as(tok, 'GET', `/api/v1/namespaces/${ns}/pods`)).status, 200);
    // Unscheduled-like deletion: the pod is gone at once with grace 0.
    assert.equal((await t.req('DELETE', `/api/v1/namespaces/${ns}/pods/p1?gracePeriodSeconds=0`)).status, 200);
    const gone = await as(tok, 'GET', `/api/v1/namespaces/${ns}/pods`);
    assert.equal(gone.status, 401);
    assert.equal(gone.body.message, 'Unauthorized');
    const deadReview = (await t.req('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: tok } })).body as Obj;
    assert.equal(deadReview.status!.authenticated, false);
    assert.match(String(deadReview.status!.error), /pod sa-test\/p1 has been deleted/);
  });

  it('admits pods as upstream ServiceAccount admission: default account, kube-api-access volume, automount off honoured, missing account refused', async () => {
    const mk = (name: string, spec: Record<string, unknown>) => t.req('POST', `/api/v1/namespaces/${ns}/pods`, { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });
    const missing = await mk('a0', { serviceAccountName: 'ghost' });
    assert.equal(missing.status, 403);
    assert.equal((missing.body as Obj).message, `pods "a0" is forbidden: error looking up service account ${ns}/ghost: serviceaccounts "ghost" not found`);
    const a1 = await mk('a1', {});
    assert.equal(a1.status, 201, a1.text);
    const spec = (a1.body as { spec: { serviceAccountName: string; serviceAccount: string; volumes: { name: string; projected: { sources: unknown[]; defaultMode: number } }[]; containers: { volumeMounts: unknown[] }[] } }).spec;
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    const vol = spec.volumes[0];
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol.projected, {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    });
    assert.deepEqual(spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    // Defaults run again on update: the projected volume must stay what it is.
    const relabel = await t.req('PATCH', `/api/v1/namespaces/${ns}/pods/a1`, { metadata: { labels: { x: 'y' } } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(relabel.status, 200, relabel.text);
    const mine = await mk('a5', { automountServiceAccountToken: false, volumes: [{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }] });
    assert.equal(mine.status, 201, mine.text);
    assert.deepEqual((mine.body as { spec: { volumes: unknown[] } }).spec.volumes, [{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 3600 } }], defaultMode: 420 } }]);
    const off = (await mk('a2', { automountServiceAccountToken: false })).body as { spec: { volumes?: unknown[] } };
    assert.equal(off.spec.volumes, undefined);
    assert.equal((await t.req('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'quiet' }, automountServiceAccountToken: false })).status, 201);
    const quiet = (await mk('a3', { serviceAccountName: 'quiet' })).body as { spec: { volumes?: unknown[] } };
    assert.equal(quiet.spec.volumes, undefined);
    const badProjected = await mk('a4', { automountServiceAccountToken: false, volumes: [{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 60 } }] } }] });
    assert.equal(badProjected.status, 422);
    assert.match((badProjected.body as Obj).message!, /spec.volumes\[0\].projected.sources\[0\].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
  });

  it('refuses forged, expired, not-yet-valid, malformed tokens and those of a deleted service account with 401', async () => {
    const sa = (await t.req('GET', `/api/v1/namespaces/${ns}/serviceaccounts/robot`)).body as Obj;
    const now = Math.floor(Date.now() / 1000);
    const claims = (over: Partial<ServiceAccountClaims>): ServiceAccountClaims => ({
      iss: DEFAULT_SERVICE_ACCOUNT_ISSUER, sub: `system:serviceaccount:${ns}:robot`, aud: [DEFAULT_SERVICE_ACCOUNT_ISSUER], exp: now + 600, iat: now, nbf: now, jti: 'j',
      'kubernetes.io': { namespace: ns, serviceaccount: { name: 'robot', uid: sa.metadata!.uid! } }, ...over,
    });
    const real = signingKeysFromPem(signingKey, []);
    const good = await signServiceAccountToken(real, claims({}));
    assert.equal((await as(good, 'GET', `/api/v1/namespaces/${ns}/pods`)).status, 200, 'the control: a well-made token works');
    const forger = signingKeysFromPem(pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey), []);
    const forged = await signServiceAccountToken(forger, claims({}));
    const expired = await signServiceAccountToken(real, claims({ exp: now - 10, iat: now - 700, nbf: now - 700 }));
    const early = await signServiceAccountToken(real, claims({ nbf: now + 300 }));
    const wrongUid = await signServiceAccountToken(real, claims({ 'kubernetes.io': { namespace: ns, serviceaccount: { name: 'robot', uid: 'x' } } }));
    const [h, p] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(good), sub: `system:serviceaccount:${ns}:admin` })).toString('base64url')}.${good.split('.')[2]}`;
    for (const [what, tok] of Object.entries({ forged, expired, early, wrongUid, tampered, garbage: `${h}.${p}.!!!`, notJwt: 'abc.def' })) {
      const r = await as(tok, 'GET', `/api/v1/namespaces/${ns}/pods`);
      assert.equal(r.status, 401, what);
      assert.equal(r.body.reason, 'Unauthorized', what);
    }
    const rev = (await t.req('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: expired } })).body as Obj;
    assert.equal(rev.status!.authenticated, false);
    assert.match(String(rev.status!.error), /expired/);
    assert.equal((await t.req('DELETE', `/api/v1/namespaces/${ns}/serviceaccounts/robot`)).status, 200);
    assert.equal((await as(good, 'GET', `/api/v1/namespaces/${ns}/pods`)).status, 401);
    assert.ok(createPrivateKey(signingKey));
  });
});
