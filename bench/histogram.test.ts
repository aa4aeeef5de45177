import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { bucketsOf, histogramQuantile } from './histogram.js';

test('quantile interpolates inside the bucket holding the rank', () => {
  const b = [{ le: 1, count: 10 }, { le: 2, count: 30 }, { le: Infinity, count: 30 }];
  assert.equal(histogramQuantile(0.5, b), 1.25); // rank 15: 5 of the 20 in (1,2]
  assert.equal(histogramQuantile(0.2, b), 0.6); // rank 6 in [0,1]
  assert.equal(histogramQuantile(1, b), 2);
});

test('a rank in +Inf answers the last finite bound; no observations is NaN', () => {
  assert.equal(histogramQuantile(0.99, [{ le: 1, count: 1 }, { le: Infinity, count: 10 }]), 1);
  assert.ok(Number.isNaN(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])));
  assert.ok(Number.isNaN(histogramQuantile(1.5, [{ le: 1, count: 3 }])));
});

test('buckets read from a prom-client histogram', async () => {
  const registry = new Registry();
  const h = new Histogram({ name: 't_seconds', help: 'h', buckets: [0.01, 0.1], registers: [registry] });
  for (const v of [0.005, 0.05, 0.05, 0.5]) h.observe(v);
  const b = bucketsOf((await h.get()).values);
  assert.deepEqual(b, [{ le: 0.01, count: 1 }, { le: 0.1, count: 3 }, { le: Infinity, count: 4 }]);
  assert.ok(Math.abs(histogramQuantile(0.5, b) - 0.055) < 1e-12); // halfway through (0.01, 0.1]
});
