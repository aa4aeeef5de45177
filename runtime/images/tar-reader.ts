// A small streaming tar reader: ustar, GNU long names (L/K) and pax headers (x; g ignored).
// Entries are yielded in order; a body not read by the consumer is skipped automatically.

export type TarEntryType = 'file' | 'link' | 'symlink' | 'chardev' | 'blockdev' | 'dir' | 'fifo';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** From pax `SCHILY.xattr.<name>` records. */
  xattrs: Record<string, Buffer>;
  /** The file's bytes, in chunks; only meaningful for type 'file'. Readable once. */
  body(): AsyncIterable<Buffer>;
}

const BLOCK = 512;

/** Pulls exact byte counts out of an async stream of chunks. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer>;
  constructor(source: AsyncIterable<Buffer | Uint8Array | string>) {
    const inner = source[Symbol.asyncIterator]();
    this.it = {
      next: async () => {
        const r = await inner.next();
        if (r.done) return r;
        return { done: false, value: Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array) };
      },
    };
  }
  private async fill(n: number): Promise<void> {
    const parts = [this.buf];
    let have = this.buf.length;
    while (have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) { this.done = true; break; }
      parts.push(r.value);
      have += r.value.length;
    }
    if (parts.length > 1) this.buf = Buffer.concat(parts, have);
  }
  /** Exactly n bytes, or throws on a truncated stream. */
  async read(n: number): Promise<Buffer> {
    if (this.buf.length < n) await this.fill(n);
    if (this.buf.length < n) throw new Error('tar: unexpected end of archive');
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /** n bytes or fewer if the stream ends first (used for the end-of-archive block). */
  async readUpTo(n: number): Promise<Buffer> {
    if (this.buf.length < n) await this.fill(n);
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    return out;
  }
  /** Up to n bytes in whatever chunks arrive, without copying big bodies into one buffer. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0) {
        if (this.done) throw new Error('tar: unexpected end of archive');
        const r = await this.it.next();
        if (r.done) { this.done = true; continue; }
        this.buf = r.value;
      }
      const take = Math.min(left, this.buf.length);
      const out = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      left -= take;
      yield out;
    }
  }
  /** Drains the rest of the source (tar producers pad archives beyond the end blocks). */
  async drain(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
    }
  }
}

function cstring(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z >= 0 ? s.subarray(0, z) : s).toString('utf8');
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
function number(b: Buffer, off: number, len: number): number {
  const f = b.subarray(off, off + len);
  if (f[0] & 0x80) {
    let v = f[0] & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return v;
  }
  const s = cstring(b, off, len).trim();
  if (!s) return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`tar: bad numeric field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return number(h, 148, 8) === sum;
}

function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(data.subarray(pos, sp).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) throw new Error('tar: bad pax record');
    const rec = data.subarray(sp + 1, pos + len - 1); // drop trailing '\n'
    const eq = rec.indexOf(0x3d);
    if (eq > 0) out.set(rec.subarray(0, eq).toString('utf8'), rec.subarray(eq + 1));
    pos += len;
  }
  return out;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'chardev', '4': 'blockdev', '5': 'dir', '6': 'fifo',
};
const MAX_META = 1 << 20; // long names / pax headers larger than 1 MiB are not legitimate

export async function* readTar(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, Buffer> | undefined;
  for (;;) {
    const h = await r.readUpTo(BLOCK);
    if (h.length === 0 || h.every((x) => x === 0)) { await r.drain(); return; } // end-of-archive
    if (h.length < BLOCK) throw new Error('tar: unexpected end of archive');
    if (!checksumOk(h)) throw new Error('tar: header checksum mismatch (not a tar archive or corrupt)');
    const flag = String.fromCharCode(h[156]);
    let size = number(h, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      if (size > MAX_META) throw new Error('tar: metadata header too large');
      const data = (await r.read(padded)).subarray(0, size);
      if (flag === 'L') longName = cstring(data, 0, data.length);
      else if (flag === 'K') longLink = cstring(data, 0, data.length);
      else if (flag === 'x') pax = parsePax(data);
      continue;
    }
    const ustar = h.subarray(257, 262).toString('ascii') === 'ustar';
    let name = cstring(h, 0, 100);
    const prefix = ustar ? cstring(h, 345, 155) : '';
    if (prefix) name = `${prefix}/${name}`;
    let linkname = cstring(h, 157, 100);
    let uid = number(h, 108, 8);
    let gid = number(h, 116, 8);
    let mtime = number(h, 136, 12);
    const xattrs: Record<string, Buffer> = {};
    if (longName !== undefined) name = longName;
    if (longLink !== undefined) linkname = longLink;
    if (pax) {
      const s = (k: string) => pax!.get(k)?.toString('utf8');
      if (s('path') !== undefined) name = s('path')!;
      if (s('linkpath') !== undefined) linkname = s('linkpath')!;
      if (s('size') !== undefined) size = parseInt(s('size')!, 10);
      if (s('uid') !== undefined) uid = parseInt(s('uid')!, 10);
      if (s('gid') !== undefined) gid = parseInt(s('gid')!, 10);
      if (s('mtime') !== undefined) mtime = Math.floor(parseFloat(s('mtime')!));
      for (const [k, v] of pax) if (k.startsWith('SCHILY.xattr.')) xattrs[k.slice(13)] = v;
    }
    longName = longLink = pax = undefined;
    let type = TYPES[flag];
    if (!type) {
      // Unknown entry kinds (sparse, volume labels...) are skipped with their data.
      await skip(r, Math.ceil(size / BLOCK) * BLOCK);
      continue;
    }
    if (type === 'file' && name.endsWith('/')) type = 'dir'; // old tars mark dirs by a trailing slash
    const bodySize = type === 'file' ? size : 0;
    const dataBlocks = Math.ceil(size / BLOCK) * BLOCK;
    let consumed = 0;
    let bodyTaken = false;
    const entry: TarEntry = {
      name, type, linkname, uid, gid, mtime, size: bodySize,
      mode: number(h, 100, 8) & 0o7777,
      devmajor: ustar ? number(h, 329, 8) : 0,
      devminor: ustar ? number(h, 337, 8) : 0,
      xattrs,
      body: () => {
        if (bodyTaken) throw new Error('tar: entry body already read');
        bodyTaken = true;
        return (async function* () {
          for await (const c of r.chunks(bodySize)) { consumed += c.length; yield c; }
        })();
      },
    };
    yield entry;
    // Whatever the consumer left unread, plus the block padding.
    await skip(r, dataBlocks - consumed);
  }
}

async function skip(r: ByteReader, n: number): Promise<void> {
  const chunks = r.chunks(n);
  while (!(await chunks.next()).done) {
    /* discard */
  }
}
