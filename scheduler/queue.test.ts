import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './queue.js';

const info = (key: string, priority = 0, created = 0) => ({ key, priority, created });

test('activeQ: priority first, then creation time', async () => {
  const q = new SchedulingQueue();
  q.add(info('old-low', 0, 1));
  q.add(info('new-high', 10, 5));
  q.add(info('older-low', 0, 0));
  q.add(info('old-high', 10, 2));
  const order = [];
  for (let i = 0; i < 4; i++) order.push(await q.pop());
  assert.deepEqual(order, ['old-high', 'new-high', 'older-low', 'old-low']);
  q.close();
  assert.equal(await q.pop(), undefined);
});

test('duplicate adds are one item; an in-flight pod is not handed out twice', async () => {
  const q = new SchedulingQueue();
  q.add(info('a'));
  q.add(info('a'));
  assert.equal(q.counts().active, 1);
  assert.equal(await q.pop(), 'a');
  q.add(info('a'));
  assert.equal(q.counts().active, 0);
  q.close();
});

test('unschedulable pods wait for a move, then back off 1 s, 2 s, ... capped', async () => {
  let now = 1000;
  const q = new SchedulingQueue({ initialBackoffMs: 1000, maxBackoffMs: 4000, now: () => now });
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => q.backoffMs(n)), [1000, 2000, 4000, 4000, 4000]);
  q.add(info('p'));
  assert.equal(await q.pop(), 'p');
  q.unschedulableAttempt('p');
  assert.deepEqual(q.counts(), { active: 0, backoff: 0, unschedulable: 1 });
  now += 5000; // back-off (1 s) long over: a move puts it straight back in activeQ
  q.moveAllToActiveOrBackoff();
  assert.deepEqual(q.counts(), { active: 1, backoff: 0, unschedulable: 0 });
  assert.equal(await q.pop(), 'p');
  q.unschedulableAttempt('p');
  // Second failure, back-off 2 s not over: the move parks it in backoffQ.
  q.moveAllToActiveOrBackoff();
  assert.deepEqual(q.counts(), { active: 0, backoff: 1, unschedulable: 0 });
  q.close();
});

test('a pod that failed while a move happened goes to backoff, and comes back by itself', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 30 });
  q.add(info('p'));
  assert.equal(await q.pop(), 'p');
  q.moveAllToActiveOrBackoff(); // e.g. a node was added during the attempt
  q.unschedulableAttempt('p');
  assert.equal(q.counts().unschedulable, 0);
  const t0 = Date.now();
  assert.equal(await q.pop(), 'p');
  assert.ok(Date.now() - t0 >= 20);
  q.close();
});

test('errors retry after the back-off; delete removes from every queue', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 20 });
  q.add(info('e'));
  assert.equal(await q.pop(), 'e');
  q.errorAttempt('e');
  assert.equal(q.counts().backoff, 1);
  assert.equal(await q.pop(), 'e');
  q.unschedulableAttempt('e');
  q.delete('e');
  assert.equal(q.has('e'), false);
  q.close();
});

test('flushUnschedulableMs retries parked pods periodically', async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 1, flushUnschedulableMs: 50 });
  q.add(info('p'));
  await q.pop();
  q.unschedulableAttempt('p');
  assert.equal(q.counts().unschedulable, 1);
  const got = await Promise.race([q.pop(), new Promise((r) => setTimeout(() => r('timeout'), 2000))]);
  assert.equal(got, 'p');
  q.close();
});
