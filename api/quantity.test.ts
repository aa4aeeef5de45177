import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, milliValue, intValue, formatQuantity, canonicalQuantity, isQuantity, QuantityError } from './quantity.js';

test('parse and convert (table)', () => {
  const cases: [string | number, number, number][] = [
    // input, milli, int
    ['100m', 100, 1],
    ['1', 1000, 1],
    ['0.5', 500, 1],
    ['2.5', 2500, 3],
    ['1Ki', 1024000, 1024],
    ['1.5Gi', 1.5 * 2 ** 30 * 1000, 1.5 * 2 ** 30],
    ['64Mi', 64 * 2 ** 20 * 1000, 64 * 2 ** 20],
    ['1k', 1000000, 1000],
    ['1M', 1e9, 1e6],
    ['1e3', 1e6, 1000],
    ['1E3', 1e6, 1000],
    ['5e-3', 5, 1],
    ['1n', 1, 1],
    ['250u', 1, 1],
    ['.5', 500, 1],
    [3, 3000, 3],
    ['0.3', 300, 1],
  ];
  for (const [input, milli, int] of cases) {
    assert.equal(milliValue(input), milli, `milli ${input}`);
    assert.equal(intValue(input), int, `int ${input}`);
  }
  assert.equal(parseQuantity('1Gi').format, 'BinarySI');
  assert.equal(parseQuantity('1G').format, 'DecimalSI');
  assert.equal(parseQuantity('1e9').format, 'DecimalExponent');
});

test('invalid quantities', () => {
  for (const bad of ['', 'abc', '1 Gi', '1Q', '1GiB', 'Gi', '--1', '1e', '1.2.3']) {
    assert.throws(() => parseQuantity(bad), QuantityError, bad);
    assert.equal(isQuantity(bad), false, bad);
  }
  assert.equal(isQuantity('100m'), true);
});

test('canonical forms', () => {
  const cases: [string, string][] = [
    ['0.5', '500m'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['1500000', '1500k'],
    ['100M', '100M'],
    ['1e3', '1e3'],
    ['0', '0'],
    ['-100m', '-100m'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
  assert.equal(formatQuantity(0.25), '250m');
  assert.equal(formatQuantity(2 ** 30, 'BinarySI'), '1Gi');
});
