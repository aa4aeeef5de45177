import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderResults, summaryLine } from './report.js';

test('summaryLine finds the last JSON summary among other output', () => {
  const out = 'figure  tskube\n{"not":"it"}\n{"bench":"pods","figures":[{"name":"a","unit":"ms","value":1}]}\n';
  assert.deepEqual(summaryLine(out), { bench: 'pods', figures: [{ name: 'a', unit: 'ms', value: 1 }] });
  assert.equal(summaryLine('no json here\n{broken'), undefined);
});

test('renderResults writes one row per figure, marks misses and failed benches', () => {
  const md = renderResults(
    [
      { bench: 'api', seconds: 3, figures: [{ name: 'creates', unit: '/s', value: 900, anchor: 'raw etcd3 txn', anchor_value: 2000, ratio: 0.45, target: '>= 0.5x', met: false }] },
      { bench: 'pods', seconds: 1, figures: [], error: 'exit 1: boom | x' },
    ],
    { machine: 'm', date: 'd', load: 'l' },
  );
  assert.match(md, /\| api \| creates \| 900 \/s \| 2000 \/s \(raw etcd3 txn\) \| 0.45 \| >= 0.5x \| \*\*no\*\* \|/);
  assert.match(md, /\| pods \| \(failed\) \| exit 1: boom \\\| x \|/);
  assert.match(md, /Machine: m\./);
});
