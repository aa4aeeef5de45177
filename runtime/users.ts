// Resolves an image's `User` given by name through the image's own /etc/passwd
// (top layer first), as runc does inside the rootfs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readTop(layers: string[], rel: string): string | null {
  for (let i = layers.length - 1; i >= 0; i--) {
    try {
      return readFileSync(join(layers[i], rel), 'utf8');
    } catch {
      /* not in this layer */
    }
  }
  return null;
}

/** uid/gid for "name", "name:group", or null when the user is numeric, empty or unknown. */
export function lookupUser(layers: string[], user: string | undefined): { uid: number; gid: number } | null {
  if (!user) return null;
  const [u, g] = user.split(':');
  if (/^\d+$/.test(u) && (g === undefined || /^\d+$/.test(g))) return null;
  const passwd = readTop(layers, 'etc/passwd') ?? '';
  let uid: number | undefined;
  let gid: number | undefined;
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === u || (/^\d+$/.test(u) && f[2] === u)) {
      uid = Number(f[2]);
      gid = Number(f[3]);
      break;
    }
  }
  if (uid === undefined) throw new Error(`unable to find user ${u} in the image's /etc/passwd`);
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const group = (readTop(layers, 'etc/group') ?? '').split('\n').map((l) => l.split(':')).find((f) => f[0] === g);
      if (!group) throw new Error(`unable to find group ${g} in the image's /etc/group`);
      gid = Number(group[2]);
    }
  }
  return { uid, gid: gid ?? 0 };
}
