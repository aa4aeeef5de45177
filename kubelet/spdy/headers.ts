// SPDY/3 header blocks: the name/value block format and its compression.
//
// Block: [count:32] then per pair [name length:32][name][value length:32][value], names
// lower-case, several values of one name joined by NUL. Each direction of a session
// compresses all its blocks as ONE zlib stream with the SPDY dictionary, each block ended
// by a sync flush (so it is byte-aligned and decodable on its own arrival).
//
// node:zlib has no synchronous API over a lasting stream, so the lasting stream is rebuilt
// per block: after a sync flush the next block starts a fresh deflate block, and all it can
// refer back to is the last 32 KiB of uncompressed bytes (the dictionary, then the blocks so
// far). A raw (headerless) inflate/deflate preset with that window therefore decodes or
// produces exactly what the one long stream would; only the first block carries the zlib
// header with the dictionary's id.

import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './frames.js';

export type HeaderMap = Record<string, string[]>;

const WINDOW = 32 * 1024;
const MAX_BLOCK = 1 << 20; // an uncompressed header block larger than this is refused

/** A name/value block, uncompressed. */
export function packHeaderBlock(h: HeaderMap): Buffer {
  const names = Object.keys(h);
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  parts.push(u32(names.length));
  for (const name of names) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(h[name].join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses an uncompressed name/value block; throws on truncation, upper-case or repeated names. */
export function unpackHeaderBlock(b: Buffer): HeaderMap {
  let off = 0;
  const u32 = () => {
    if (off + 4 > b.length) throw new SpdyProtocolError('truncated header block');
    const v = b.readUInt32BE(off);
    off += 4;
    return v;
  };
  const str = () => {
    const len = u32();
    if (off + len > b.length) throw new SpdyProtocolError('truncated header block');
    const s = b.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  const count = u32();
  const out: HeaderMap = Object.create(null) as HeaderMap;
  for (let i = 0; i < count; i++) {
    const name = str();
    if (name !== name.toLowerCase()) throw new SpdyProtocolError(`header name ${JSON.stringify(name)} is not lower-case`);
    if (name in out) throw new SpdyProtocolError(`header ${name} appears twice`);
    out[name] = str().split('\0');
  }
  if (off !== b.length) throw new SpdyProtocolError(`${b.length - off} stray bytes after the header block`);
  return out;
}

/** First value of a header, names compared case-insensitively. */
export function headerValue(h: HeaderMap, name: string): string | undefined {
  return h[name.toLowerCase()]?.[0];
}

function slide(window: Buffer, more: Buffer): Buffer {
  const all = Buffer.concat([window, more]);
  return all.length > WINDOW ? all.subarray(all.length - WINDOW) : all;
}

/** One direction's compressor: every call continues the same zlib stream. */
export class HeaderCompressor {
  private window: Buffer = SPDY3_DICTIONARY;
  private started = false;

  compress(h: HeaderMap): Buffer {
    const block = packHeaderBlock(h);
    const opts = { dictionary: this.window, finishFlush: zlib.constants.Z_SYNC_FLUSH };
    const out = this.started ? zlib.deflateRawSync(block, opts) : zlib.deflateSync(block, opts);
    this.started = true;
    this.window = slide(this.window, block);
    return out;
  }
}

/** One direction's decompressor: every call continues the same zlib stream. */
export class HeaderDecompressor {
  private window: Buffer = SPDY3_DICTIONARY;
  private started = false;

  decompress(compressed: Buffer): HeaderMap {
    const opts = { dictionary: this.window, finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: MAX_BLOCK };
    let block: Buffer;
    try {
      block = this.started ? zlib.inflateRawSync(compressed, opts) : zlib.inflateSync(compressed, opts);
    } catch (e) {
      throw new SpdyProtocolError(`header block does not decompress: ${(e as Error).message}`);
    }
    this.started = true;
    this.window = slide(this.window, block);
    return unpackHeaderBlock(block);
  }
}
