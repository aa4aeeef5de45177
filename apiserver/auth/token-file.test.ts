import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiRequest } from '../http/request.js';
import { unionAuthenticator } from './authenticator.js';
import { tokenFileAuthenticator } from './token-file.js';

const withToken = (token?: string) => ({ headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }) as unknown as ApiRequest;

test('token file: users by token, groups from the fourth column, a removed line revoked on re-read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-file-'));
  try {
    const path = join(dir, 'tokens.csv');
    writeFileSync(path, 'tok-a,alice,uid-a,"dev,qa"\ntok-b,bob,uid-b\n');
    const auth = unionAuthenticator([tokenFileAuthenticator(path)]);
    assert.deepEqual(await auth(withToken('tok-a')), { username: 'alice', uid: 'uid-a', groups: ['dev', 'qa', 'system:authenticated'] });
    assert.equal((await auth(withToken('tok-b')))?.username, 'bob');
    assert.equal(await auth(withToken('tok-')), null);
    assert.equal(await auth(withToken('tok-bb')), null);
    assert.equal(await auth(withToken()), null);
    // Each answer is a copy: a caller changing it does not change the next one.
    (await auth(withToken('tok-a')))!.groups.push('system:masters');
    assert.ok(!(await auth(withToken('tok-a')))!.groups.includes('system:masters'));
    // The file is checked at most once a second; a line removed is a token revoked.
    writeFileSync(path, 'tok-a,alice,uid-a\n');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await auth(withToken('tok-b')), null);
    assert.deepEqual((await auth(withToken('tok-a')))?.groups, ['system:authenticated']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
