// SVG charts for RESULTS.md, drawn headless by vega-lite → vega (`view.toSVG()` needs no canvas):
// the one- and two-container pod start latencies of tskube and podman as distributions, and the
// pods-Running-over-time curve of the burst, from the samples `bench peers --samples=` writes.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { PeerSamples } from './peers.js';

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Each start (ms) as a tick on a log scale, per pod shape and runtime, with the median marked. */
export function latencyChart(s: PeerSamples): Promise<string> {
  const values = (['one', 'two'] as const).flatMap((shape) => (['tskube', 'podman'] as const).flatMap((runtime) =>
    s[shape][runtime].map((ms) => ({ pod: shape === 'one' ? '1 container' : '2 containers', runtime, ms }))));
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Pod POST / kube play → Running (ms, log scale)',
    data: { values },
    facet: { row: { field: 'pod', type: 'nominal', title: null } },
    spec: {
      width: 520,
      height: 70,
      layer: [
        { mark: { type: 'tick', opacity: 0.6 }, encoding: { x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' }, y: { field: 'runtime', type: 'nominal', title: null }, color: { field: 'runtime', type: 'nominal' } } },
        { mark: { type: 'point', shape: 'diamond', size: 120, filled: true, color: 'black' }, encoding: { x: { aggregate: 'median', field: 'ms', type: 'quantitative' }, y: { field: 'runtime', type: 'nominal' } } },
      ],
    },
  });
}

/** Pods Running against seconds since the burst's POSTs / plays began. */
export function burstChart(s: PeerSamples): Promise<string> {
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${Math.max(...s.burst.map((b) => b.running), 0)} pods at once: pods Running over time`,
    width: 520,
    height: 220,
    data: { values: s.burst },
    mark: { type: 'line', interpolate: 'step-after', point: true },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 's since the first POST / play' },
      y: { field: 'running', type: 'quantitative', title: 'pods Running' },
      color: { field: 'runtime', type: 'nominal' },
    },
  });
}
