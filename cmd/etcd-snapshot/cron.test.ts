import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCron, parseDuration } from './cron.js';

const at = (s: string) => new Date(s);
const next = (expr: string, from: string) => parseCron(expr).next(at(from));
// Local times written without a zone, so the tests hold in any TZ.
const local = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;

test("k3s's default: every 12 hours at minute 0", () => {
  assert.equal(local(next('0 */12 * * *', '2026-03-04T05:06:07')), '2026-03-04T12:00:00');
  assert.equal(local(next('0 */12 * * *', '2026-03-04T12:00:00')), '2026-03-05T00:00:00');
});

test('five fields: lists, ranges, steps, names; next is strictly after', () => {
  assert.equal(local(next('30 9 * * MON-FRI', '2026-03-07T10:00:00')), '2026-03-09T09:30:00'); // Sat → Mon
  assert.equal(local(next('5,10 * * * *', '2026-01-01T00:05:00')), '2026-01-01T00:10:00');
  assert.equal(local(next('0 0 1 FEB *', '2026-03-01T00:00:00')), '2027-02-01T00:00:00');
  assert.equal(local(next('*/20 * * * *', '2026-01-01T00:41:00')), '2026-01-01T01:00:00');
  assert.equal(local(next('10-20/5 * * * *', '2026-01-01T00:16:00')), '2026-01-01T00:20:00');
  assert.equal(local(next('0 0 * * 7', '2026-03-04T00:00:00')), '2026-03-08T00:00:00'); // 7 is Sunday
});

test('day of month and day of week both restricted: either fires (standard cron)', () => {
  // 2026-03-04 is a Wednesday; the 13th or any Friday: Friday the 6th comes first.
  assert.equal(local(next('0 0 13 * FRI', '2026-03-04T00:00:00')), '2026-03-06T00:00:00');
  assert.equal(local(next('0 0 5 * FRI', '2026-03-04T00:00:00')), '2026-03-05T00:00:00');
});

test('six fields with seconds first, descriptors and @every', () => {
  assert.equal(local(next('*/10 * * * * *', '2026-01-01T00:00:01')), '2026-01-01T00:00:10');
  assert.equal(local(next('@hourly', '2026-01-01T00:00:01')), '2026-01-01T01:00:00');
  assert.equal(local(next('@daily', '2026-01-01T00:00:01')), '2026-01-02T00:00:00');
  assert.equal(local(next('@weekly', '2026-03-04T00:00:00')), '2026-03-08T00:00:00');
  assert.equal(next('@every 2s', '2026-01-01T00:00:01.500Z').toISOString(), '2026-01-01T00:00:03.000Z');
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
});

test('leap day: the search goes to the next leap year', () => {
  assert.equal(local(next('0 0 29 2 *', '2026-03-01T00:00:00')), '2028-02-29T00:00:00');
});

test('bad expressions are refused with what is wrong', () => {
  assert.throws(() => parseCron('* * * *'), /expected 5 fields/);
  assert.throws(() => parseCron('60 * * * *'), /minute 60 is out of range 0-59/);
  assert.throws(() => parseCron('* * * FOO *'), /month "FOO" is not a number or a name/);
  assert.throws(() => parseCron('*/0 * * * *'), /step "0" must be a positive number/);
  assert.throws(() => parseCron('5-1 * * * *'), /runs backwards/);
  assert.throws(() => parseCron('0 0 30 2 *'), /never fires/);
  assert.throws(() => parseCron('@sometimes'), /unknown descriptor/);
  assert.throws(() => parseCron('@every 100ms'), /at least 1s/);
  assert.throws(() => parseCron('@every soon'), /malformed/);
  assert.throws(() => parseCron('__proto__ * * * *'), /not a number/);
});
