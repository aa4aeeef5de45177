import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFormatter, parseCriLine, readLog } from './logs.js';

test('CRI lines parse; partial lines are joined', () => {
  assert.deepEqual(parseCriLine('2024-01-01T00:00:00.000000001Z stderr F oops x'), { time: '2024-01-01T00:00:00.000000001Z', stream: 'stderr', partial: false, text: 'oops x' });
  assert.equal(parseCriLine('garbage'), undefined);
  const f = new LogFormatter({});
  assert.equal(f.format(parseCriLine('t stdout P ab')!), '');
  assert.equal(f.format(parseCriLine('t stdout F cd')!), 'abcd\n');
});

test('readLog: tailLines and timestamps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkl-'));
  try {
    const file = join(dir, '0.log');
    writeFileSync(file, ['a', 'b', 'c'].map((x, i) => `2024-01-01T00:00:0${i}Z stdout F ${x}`).join('\n') + '\n2024-01-01T00:00:09Z stdout F half');
    assert.equal(readLog(file, {}).text, 'a\nb\nc\n', 'an unterminated last line waits');
    assert.equal(readLog(file, { tailLines: 2 }).text, 'b\nc\n');
    assert.equal(readLog(file, { tailLines: 1, timestamps: true }).text, '2024-01-01T00:00:02Z c\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
