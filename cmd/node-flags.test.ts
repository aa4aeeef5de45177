import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RUNTIME_FLAGS, SERVER_NODE_FLAGS } from './node-flags.js';

test('--system-reserved-pids parses whole numbers into RuntimeOptions.reservedPids, refuses the rest', () => {
  const f = RUNTIME_FLAGS.find((x) => x.flag === 'system-reserved-pids')!;
  assert.equal(f.option, 'reservedPids');
  assert.equal(f.parse('2048'), 2048);
  assert.equal(f.parse('0'), 0);
  for (const bad of ['-1', '1.5', 'abc', '']) assert.throws(() => f.parse(bad), /must be a whole number/);
});

test('the hyperkube shebang and hack/up.sh start node with SERVER_NODE_FLAGS', () => {
  // Compiled to dist-test/cmd/: the sources are two levels up.
  const src = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
  assert.equal(src('cmd/hyperkube.ts').split('\n')[0], `#!/usr/bin/env -S node ${SERVER_NODE_FLAGS.join(' ')}`.trimEnd());
  assert.match(src('hack/up.sh'), new RegExp(`exec node ${SERVER_NODE_FLAGS.join(' ')} dist/cmd/hyperkube\\.js up`));
});
