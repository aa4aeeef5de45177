import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger } from './soak-ledger.js';

test('ledger: the final state must reflect the last acknowledged write or a later unanswered one', () => {
  const l = new Ledger();
  const c = l.begin('a', 'create');
  c.outcome = 'acked';
  const u = l.begin('a', 'update');
  u.outcome = 'acked';
  assert.ok(l.consistent('a', u.seq));
  assert.ok(!l.consistent('a', c.seq), 'an acknowledged update lost');
  assert.ok(!l.consistent('a', 'absent'), 'an acknowledged object lost');
  const d = l.begin('a', 'delete'); // no answer: may or may not have happened
  assert.ok(l.consistent('a', 'absent'));
  assert.ok(l.consistent('a', u.seq));
  d.outcome = 'refused';
  assert.ok(!l.consistent('a', 'absent'), 'a refused delete did not happen');
  const d2 = l.begin('a', 'delete');
  d2.outcome = 'acked';
  assert.ok(l.consistent('a', 'absent'));
  assert.ok(!l.consistent('a', u.seq), 'an acknowledged delete undone');
  assert.equal(l.acknowledged(), 3);
  assert.deepEqual(l.lost(new Map([['a', u.seq]])).map((x) => x.key), ['a']);
  assert.deepEqual(l.lost(new Map()), []);
  // Never acknowledged: absent, or what an unanswered create made.
  const x = l.begin('b', 'create');
  assert.ok(l.consistent('b', 'absent') && l.consistent('b', x.seq));
});
