// Users from a token file, as upstream's --token-auth-file: CSV lines `token,user,uid,"g1,g2"`.
// The file is re-read when it changes (checked at most once a second), so removing a line
// revokes that token.

import crypto from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { bearerToken, type Authenticator } from './authenticator.js';
import type { UserInfo } from './user.js';

/** One CSV record's fields (RFC 4180 quoting, as Go's encoding/csv). */
export function parseCSVLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') break;
        else v += line[i++];
      }
      i++; // closing quote
      out.push(v);
      if (line[i] === ',') i++;
      else break;
    } else {
      const j = line.indexOf(',', i);
      out.push(j < 0 ? line.slice(i) : line.slice(i, j));
      if (j < 0) break;
      i = j + 1;
    }
  }
  return out;
}

/** token → user, from the file's text; throws on a line with fewer than 3 columns. */
export function parseTokenFile(text: string, path: string): Map<string, UserInfo> {
  const users = new Map<string, UserInfo>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const f = parseCSVLine(line);
    if (f.length < 3) throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${f.length}`);
    const [token, username, uid, groups] = f;
    if (!token) continue;
    users.set(token, { username, uid, groups: groups ? groups.split(',').map((g) => g.trim()).filter(Boolean) : [] });
  }
  return users;
}

export function tokenFileAuthenticator(path: string, log: (m: string) => void = () => undefined): Authenticator {
  let users = new Map<string, UserInfo>();
  /** The tokens as bytes, made once per (re)load rather than per request. */
  let entries: { token: Buffer; user: UserInfo }[] = [];
  let stamp = '';
  let checkedAt = 0;
  const reload = () => {
    checkedAt = Date.now();
    let s: string;
    try {
      const st = statSync(path);
      s = `${st.mtimeMs}/${st.size}/${st.ino}`;
    } catch {
      s = 'missing';
    }
    if (s === stamp) return;
    stamp = s;
    try {
      users = s === 'missing' ? new Map<string, UserInfo>() : parseTokenFile(readFileSync(path, 'utf8'), path);
    } catch (err) {
      // A half-written or bad file keeps nobody in: fail closed.
      users = new Map<string, UserInfo>();
      log(`token file: ${(err as Error).message}`);
    }
    entries = [...users].map(([t, user]) => ({ token: Buffer.from(t), user }));
  };
  reload();
  return (req) => {
    const token = bearerToken(req);
    if (token === undefined) return null;
    if (Date.now() - checkedAt >= 1000) reload();
    const want = Buffer.from(token);
    for (const { token: b, user: u } of entries) {
      if (b.length === want.length && crypto.timingSafeEqual(b, want)) return { ...u, groups: [...u.groups] };
    }
    return null;
  };
}
