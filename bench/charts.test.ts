import { test } from 'node:test';
import assert from 'node:assert/strict';
import { burstChart, latencyChart } from './charts.js';
import { renderResults } from './report.js';

const samples = {
  one: { tskube: [30, 35, 41], podman: [900, 1000, 1100] },
  two: { tskube: [45, 50], podman: [1200, 1300] },
  burst: [{ runtime: 'tskube', t: 0.2, running: 1 }, { runtime: 'tskube', t: 0.5, running: 2 }, { runtime: 'podman', t: 3.1, running: 1 }, { runtime: 'podman', t: 6.4, running: 2 }],
};

test('the charts are SVG drawn from the samples: a tick per start, one line per runtime', async () => {
  const lat = await latencyChart(samples);
  assert.match(lat, /^<svg /);
  for (const label of ['tskube', 'podman', '1 container', '2 containers']) assert.ok(lat.includes(label), `latency chart names ${label}`);
  // 10 samples → 10 ticks (vega draws them as rect paths of the first layer, one group per facet row),
  // and one median diamond per runtime and row.
  const paths = (cls: string) => [...lat.matchAll(new RegExp(`class="${cls} role-mark child_layer_\\d_marks"[^>]*>(.*?)</g>`, 'gs'))]
    .reduce((n, m) => n + (m[1].match(/<path /g) ?? []).length, 0);
  assert.equal(paths('mark-rect'), 6 + 4);
  assert.equal(paths('mark-symbol'), 4);
  const burst = await burstChart(samples);
  assert.match(burst, /^<svg /);
  assert.equal((burst.match(/class="mark-line role-mark/g) ?? []).length, 2);
  assert.ok(burst.includes('2 pods at once'));
});

test('RESULTS.md links the charts when there are some', () => {
  const md = renderResults([], { machine: 'm', date: 'd', load: 'l' }, [{ file: 'peers-latency.svg', title: 'pod start latency' }]);
  assert.match(md, /!\[pod start latency\]\(peers-latency\.svg\)/);
});
