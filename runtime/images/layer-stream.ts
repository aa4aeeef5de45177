// Turns a (maybe gzip-compressed) layer byte stream into the uncompressed tar stream, hashing
// both sides on the way so the caller can verify the blob digest and the diffID.
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface LayerDigests {
  /** sha256 of the bytes as received (the manifest's layer digest). */
  digest: string;
  /** sha256 of the uncompressed tar (the config's diff_id). */
  diffID: string;
  compressedSize: number;
  size: number;
}

export interface DecodedLayer {
  data: AsyncIterable<Buffer>;
  /** Valid once `data` has been read to its end. */
  digests(): LayerDigests;
}

export function decodeLayer(src: AsyncIterable<Buffer | Uint8Array>): DecodedLayer {
  const outer = createHash('sha256');
  const inner = createHash('sha256');
  let compressedSize = 0;
  let size = 0;
  let finished = false;
  const it = src[Symbol.asyncIterator]();
  const data = (async function* () {
    // Peek at least 4 bytes for the magic number.
    const head: Buffer[] = [];
    let headLen = 0;
    let ended = false;
    while (headLen < 4) {
      const r = await it.next();
      if (r.done) { ended = true; break; }
      const b = Buffer.from(r.value);
      head.push(b);
      headLen += b.length;
    }
    const first = Buffer.concat(head);
    if (first.length >= 4 && first.readUInt32BE(0) === 0x28b52ffd) {
      throw new Error('zstd-compressed layers are not supported (Node 20 has no zstd)');
    }
    const gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
    async function* raw(): AsyncGenerator<Buffer> {
      outer.update(first); compressedSize += first.length;
      if (first.length) yield first;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const b = Buffer.from(r.value);
        outer.update(b); compressedSize += b.length;
        yield b;
      }
    }
    const counted = (h: Hash, c: Buffer) => { h.update(c); size += c.length; return c; };
    if (!gzip) {
      for await (const c of raw()) yield counted(inner, c);
    } else {
      const input = Readable.from(raw());
      const gunzip = createGunzip();
      input.on('error', (e) => gunzip.destroy(e));
      input.pipe(gunzip);
      try {
        for await (const c of gunzip) yield counted(inner, c as Buffer);
      } finally {
        input.destroy();
        gunzip.destroy();
      }
    }
    finished = true;
  })();
  let result: LayerDigests | undefined;
  return {
    data,
    digests() {
      if (!finished) throw new Error('layer stream not fully read');
      result ??= { digest: `sha256:${outer.digest('hex')}`, diffID: `sha256:${inner.digest('hex')}`, compressedSize, size };
      return result;
    },
  };
}
