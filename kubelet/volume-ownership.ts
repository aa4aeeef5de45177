// fsGroup on a volume, as kubelet's SetVolumeOwnership: every entry gets group fsGroup; files
// get g+rw (g+r on read-only volumes), directories also g+x and the setgid bit so what the
// pod creates later inherits the group. Symlinks are never followed: their own group is set
// (lchown) and nothing is chmod-ed through them. fsGroupChangePolicy OnRootMismatch skips the
// walk when the volume's root already has the group and the permissions.
import { chmodSync, lchownSync, lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

const S_ISGID = 0o2000;

function wantedBits(st: Stats, readonly: boolean): number {
  let mask = readonly ? 0o440 : 0o660;
  if (st.isDirectory()) mask |= S_ISGID | 0o110;
  return mask;
}

/** Does the volume root need the walk (OnRootMismatch)? */
export function requiresOwnershipChange(dir: string, fsGroup: number, readonly: boolean): boolean {
  const st = lstatSync(dir);
  if (st.gid !== fsGroup) return true;
  const mask = wantedBits(st, readonly);
  return (st.mode & mask) !== mask;
}

function change(path: string, st: Stats, fsGroup: number, readonly: boolean): void {
  lchownSync(path, -1, fsGroup);
  if (st.isSymbolicLink()) return;
  chmodSync(path, (st.mode & 0o7777) | wantedBits(st, readonly));
}

export function setVolumeOwnership(dir: string, fsGroup: number | undefined, policy: string | undefined, readonly: boolean): void {
  if (fsGroup === undefined) return;
  if (policy === 'OnRootMismatch' && !requiresOwnershipChange(dir, fsGroup, readonly)) return;
  const walk = (path: string): void => {
    const st = lstatSync(path);
    change(path, st, fsGroup, readonly);
    if (!st.isDirectory()) return;
    for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
}
