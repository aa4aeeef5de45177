import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineDecoder } from './lines.js';

test('lines split across chunks are joined', () => {
  const d = new LineDecoder();
  assert.deepEqual(d.push('{"a":'), []);
  assert.deepEqual(d.push('1}\n{"b"'), ['{"a":1}']);
  assert.deepEqual(d.push(':2}\n\n'), ['{"b":2}']);
  assert.equal(d.pending, '');
});

test('a multi-byte character cut between chunks survives', () => {
  const d = new LineDecoder();
  const bytes = Buffer.from('{"x":"é€😀"}\n', 'utf8');
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...d.push(bytes.subarray(i, i + 1)));
  assert.deepEqual(out, ['{"x":"é€😀"}']);
  assert.deepEqual(JSON.parse(out[0]), { x: 'é€😀' });
});

test('every split point of a multi-event stream yields the same lines', () => {
  const events = [{ type: 'ADDED', object: { metadata: { name: 'a' } } }, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } }];
  const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  const buf = Buffer.from(text);
  for (let cut = 0; cut <= buf.length; cut++) {
    const d = new LineDecoder();
    const lines = [...d.push(buf.subarray(0, cut)), ...d.push(buf.subarray(cut)), ...d.end()];
    assert.deepEqual(lines.map((l): unknown => JSON.parse(l)), events, `cut at ${cut}`);
  }
});

test('CRLF and a final line without newline', () => {
  const d = new LineDecoder();
  assert.deepEqual(d.push('one\r\ntwo'), ['one']);
  assert.deepEqual(d.end(), ['two']);
  assert.deepEqual(d.end(), []);
});
