// The few syscalls Node's fs lacks, through koffi: mknod (overlay whiteouts, device nodes) and
// lsetxattr (overlay opaque dirs, file capabilities).
import koffi from 'koffi';

let fns: { mknod: koffi.KoffiFunction; lsetxattr: koffi.KoffiFunction; lgetxattr: koffi.KoffiFunction } | undefined;

function libc() {
  if (!fns) {
    const lib = koffi.load('libc.so.6');
    fns = {
      mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
      lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
      lgetxattr: lib.func('long lgetxattr(const char *path, const char *name, void *value, size_t size)'),
    };
  }
  return fns;
}

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

function fail(op: string, path: string): never {
  const errno = koffi.errno();
  const e = new Error(`${op} ${path}: errno ${errno}`) as NodeJS.ErrnoException;
  e.errno = errno;
  throw e;
}

/** Linux makedev for the glibc dev_t layout. */
function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

export function mknodDevice(path: string, kind: 'char' | 'block', mode: number, major: number, minor: number): void {
  const type = kind === 'char' ? S_IFCHR : S_IFBLK;
  if (libc().mknod(path, type | (mode & 0o7777), makedev(major, minor)) !== 0) fail('mknod', path);
}

export function mkfifo(path: string, mode: number): void {
  if (libc().mknod(path, S_IFIFO | (mode & 0o7777), 0n) !== 0) fail('mknod', path);
}

export function setXattr(path: string, name: string, value: Buffer): void {
  if (libc().lsetxattr(path, name, value, value.length, 0) !== 0) fail('lsetxattr', path);
}

export function getXattr(path: string, name: string): Buffer | null {
  const buf = Buffer.alloc(4096);
  const n = Number(libc().lgetxattr(path, name, buf, buf.length));
  return n < 0 ? null : buf.subarray(0, n);
}
