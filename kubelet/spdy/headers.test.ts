import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './frames.js';
import { HeaderCompressor, HeaderDecompressor, headerValue, packHeaderBlock, unpackHeaderBlock, type HeaderMap } from './headers.js';

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/** One lasting zlib stream, as the Go peer keeps one per direction: each block sync-flushed. */
function lasting(z: zlib.Deflate | zlib.Inflate): (b: Buffer) => Promise<Buffer> {
  const out: Buffer[] = [];
  z.on('data', (d: Buffer) => out.push(d));
  return (b) =>
    new Promise((resolve) => {
      z.write(b);
      z.flush(zlib.constants.Z_SYNC_FLUSH, () => setImmediate(() => resolve(Buffer.concat(out.splice(0)))));
    });
}

// Port-forward-like header sets, growing so the history passes the 32 KiB window.
const BLOCKS: HeaderMap[] = Array.from({ length: 60 }, (_, i) => ({
  streamtype: [i % 2 ? 'data' : 'error'],
  port: [String(8000 + (i % 3))],
  requestid: [String(i >> 1)],
  'x-filler': ['abcdefghij'.repeat(i * 10)],
  multi: ['a', 'b', ''],
}));

test('the SPDY/3 dictionary: 1423 bytes, the id kubectl names in its zlib header', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(adler32(SPDY3_DICTIONARY), 0xe3c6a7c2);
  const first = new HeaderCompressor().compress({ a: ['b'] });
  assert.equal(first.readUInt32BE(2), 0xe3c6a7c2, 'FDICT id after the 2-byte zlib header');
  assert.equal(first[1] & 0x20, 0x20, 'FDICT flag set');
});

test('name/value blocks: round trip, NUL-joined values, and refusals', () => {
  const h: HeaderMap = { streamtype: ['data'], port: ['8080'], v: ['1', '2'] };
  const b = packHeaderBlock(h);
  assert.equal(b.readUInt32BE(0), 3);
  assert.deepEqual({ ...unpackHeaderBlock(b) }, h);
  assert.equal(headerValue(unpackHeaderBlock(b), 'StreamType'), 'data');
  assert.equal(packHeaderBlock({ Port: ['1'] }).subarray(8, 12).toString(), 'port', 'names go lower-case');
  const upper = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]), Buffer.from('P'), Buffer.from([0, 0, 0, 0])]);
  assert.throws(() => unpackHeaderBlock(upper), SpdyProtocolError);
  const dup = Buffer.concat([packHeaderBlock({ a: ['1'] }).subarray(4), packHeaderBlock({ a: ['2'] }).subarray(4)]);
  assert.throws(() => unpackHeaderBlock(Buffer.concat([Buffer.from([0, 0, 0, 2]), dup])), /twice/);
  assert.throws(() => unpackHeaderBlock(b.subarray(0, b.length - 1)), /truncated/);
});

test('our compressor continues one zlib stream that a lasting inflater decodes block by block', async () => {
  const c = new HeaderCompressor();
  const peer = lasting(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
  for (const h of BLOCKS) assert.deepEqual({ ...unpackHeaderBlock(await peer(c.compress(h))) }, h);
});

test('our decompressor follows a lasting best-compression deflater across frames', async () => {
  const d = new HeaderDecompressor();
  const peer = lasting(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 }));
  const compressed: Buffer[] = [];
  for (const h of BLOCKS) compressed.push(await peer(packHeaderBlock(h)));
  // Later blocks refer back into earlier ones: they only decode in order, in one context.
  assert.ok(compressed[10].length < packHeaderBlock(BLOCKS[10]).length / 4, 'context makes later blocks small');
  for (const [i, h] of BLOCKS.entries()) assert.deepEqual({ ...d.decompress(compressed[i]) }, h);
  assert.throws(() => new HeaderDecompressor().decompress(compressed[1]), SpdyProtocolError, 'a later block alone is not a stream start');
});

test('compressor and decompressor pair up, and a foreign dictionary is refused', () => {
  const c = new HeaderCompressor();
  const d = new HeaderDecompressor();
  for (const h of BLOCKS) assert.deepEqual({ ...d.decompress(c.compress(h)) }, h);
  const foreign = zlib.deflateSync(packHeaderBlock({ a: ['b'] }), { dictionary: Buffer.from('another dictionary'), finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.throws(() => new HeaderDecompressor().decompress(foreign), SpdyProtocolError);
});
