import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandWord, expandWords, keyValues, splitWords } from './words.js';

const vars: Record<string, string> = { A: 'a', EMPTY: '', SP: 'x y' };
const look = (n: string) => vars[n];

test('variables: $X, ${X}, modifiers, quotes and escapes as docker expands them', () => {
  assert.equal(expandWord('$A/${A}b', look), 'a/ab');
  assert.equal(expandWord('${NOPE:-def}-${EMPTY:-e}-${EMPTY-e}', look), 'def-e-');
  assert.equal(expandWord('${A:+set}${NOPE:+no}${EMPTY+yes}', look), 'setyes');
  assert.equal(expandWord("'$A'", look), '$A', 'single quotes are literal');
  assert.equal(expandWord('"$A b"', look), 'a b');
  assert.equal(expandWord('\\$A', look), '$A', 'escaped dollar');
  assert.equal(expandWord('"\\$A\\"q"', look), '$A"q');
  assert.equal(expandWord('${NOPE:-${A}x}', look), 'ax', 'nested default');
  assert.equal(expandWord('a$', look), 'a$');
  assert.throws(() => expandWord('${NOPE:?must be set}', look), /NOPE: must be set/);
  assert.throws(() => expandWord('${A', look), /missing '}'/);
  assert.throws(() => expandWord('"open', look), /double-quote/);
  assert.equal(expandWord('`$A', look, '`'), '$A', 'the escape directive changes the escape character');
});

test('words split on unquoted whitespace only', () => {
  assert.deepEqual(splitWords(`a "b c" 'd e' f\\ g`), ['a', '"b c"', "'d e'", 'f\\ g']);
  assert.deepEqual(expandWords('$SP "$SP"', look), ['x y', 'x y']);
});

test('ENV/LABEL pairs, the legacy form and ARG without value', () => {
  assert.deepEqual(keyValues('K=1 L="two words" M=a\\ b N=$A', look, { legacy: true }), [['K', '1'], ['L', 'two words'], ['M', 'a b'], ['N', 'a']]);
  assert.deepEqual(keyValues('OLD value with $A', look, { legacy: true }), [['OLD', 'value with a']]);
  assert.deepEqual(keyValues('X Y=2', look, { legacy: false, allowBare: true }), [['X', undefined], ['Y', '2']]);
  assert.throws(() => keyValues('X Y=2', look, { legacy: false }), /can't find =/);
});
