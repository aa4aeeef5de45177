import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FLAG_FIN, FrameReader, SpdyProtocolError, type Frame } from './frames.js';

const SAMPLES: Frame[] = [
  { type: 'data', streamId: 1, flags: 0, data: Buffer.from('hello') },
  { type: 'data', streamId: 0x7fffffff, flags: FLAG_FIN, data: Buffer.alloc(0) },
  { type: 'syn_stream', streamId: 3, associatedId: 0, priority: 7, slot: 0, flags: FLAG_FIN, headerBlock: Buffer.from([1, 2, 3]) },
  { type: 'syn_reply', streamId: 3, flags: 0, headerBlock: Buffer.from([9, 9]) },
  { type: 'headers', streamId: 5, flags: FLAG_FIN, headerBlock: Buffer.from([4]) },
  { type: 'rst_stream', streamId: 5, status: 5 },
  { type: 'settings', flags: 1, entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 100 }] },
  { type: 'ping', id: 0xfffffffe },
  { type: 'goaway', lastGoodStreamId: 41, status: 2 },
  { type: 'window_update', streamId: 7, delta: 0x7fffffff },
];

test('every frame type survives encode → read, whole or byte by byte', () => {
  const bytes = Buffer.concat(SAMPLES.map(encodeFrame));
  assert.deepEqual(new FrameReader().push(bytes), SAMPLES);
  const r = new FrameReader();
  const got: Frame[] = [];
  for (const b of bytes) got.push(...r.push(Buffer.from([b])));
  assert.deepEqual(got, SAMPLES);
  assert.equal(r.pending, 0);
});

test('wire layout: control bit, version 3, type, flags and 24-bit length', () => {
  const reply = encodeFrame({ type: 'syn_reply', streamId: 1, flags: FLAG_FIN, headerBlock: Buffer.from([0xaa]) });
  assert.deepEqual([...reply], [0x80, 0x03, 0x00, 0x02, 0x01, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0xaa]);
  const data = encodeFrame({ type: 'data', streamId: 0x01020304, flags: FLAG_FIN, data: Buffer.from('x') });
  assert.deepEqual([...data], [0x01, 0x02, 0x03, 0x04, 0x01, 0x00, 0x00, 0x01, 0x78]);
  const syn = encodeFrame({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 3, slot: 0, flags: 0, headerBlock: Buffer.alloc(0) });
  assert.equal(syn[16], 3 << 5, 'priority in the top 3 bits');
});

test('a large data frame arrives whole, and bytes of the next frame wait', () => {
  const big = Buffer.alloc(1 << 20, 7);
  const bytes = Buffer.concat([encodeFrame({ type: 'data', streamId: 9, flags: 0, data: big }), encodeFrame({ type: 'ping', id: 1 }).subarray(0, 5)]);
  const r = new FrameReader();
  assert.deepEqual(r.push(bytes.subarray(0, 1000)), []);
  const [f] = r.push(bytes.subarray(1000));
  assert.equal(f.type, 'data');
  assert.ok(f.type === 'data' && f.data.equals(big));
  assert.equal(r.pending, 5);
  assert.deepEqual(r.push(encodeFrame({ type: 'ping', id: 1 }).subarray(5)), [{ type: 'ping', id: 1 }]);
});

test('malformed and unknown control frames', () => {
  const shortRst = Buffer.from([0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1]);
  assert.throws(() => new FrameReader().push(shortRst), SpdyProtocolError);
  const v2 = Buffer.from([0x80, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1]);
  assert.deepEqual(new FrameReader().push(v2), [{ type: 'unknown', version: 2, frameType: 6, flags: 0, payload: Buffer.from([0, 0, 0, 1]) }]);
  const type10 = Buffer.from([0x80, 0x03, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00]);
  assert.equal(new FrameReader().push(type10)[0].type, 'unknown');
});
