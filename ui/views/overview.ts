// The cluster at a glance: nodes with capacity, allocatable and live usage (metrics.k8s.io, when
// served: metrics are not watchable, so only they are read again every 15 s), pods by phase, and
// the latest warnings.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, resourcePath, type KObject } from '../api.js';
import { useWatch } from '../watch.js';
import { podStatus } from '../format.js';

type Usage = Map<string, { cpu: string; memory: string }>;

function useNodeMetrics(): Usage {
  const [usage, setUsage] = useState<Usage>(new Map());
  useEffect(() => {
    let live = true;
    const read = () =>
      get<{ items: (KObject & { usage: { cpu: string; memory: string } })[] }>('/apis/metrics.k8s.io/v1beta1/nodes').then(
        (l) => live && setUsage(new Map(l.items.map((m) => [m.metadata.name, m.usage]))),
        () => undefined,
      );
    void read();
    const t = setInterval(() => void read(), 15_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, []);
  return usage;
}

export function Overview(props: { ns: string }) {
  const nodes = useWatch(resourcePath('', 'v1', 'nodes'));
  const pods = useWatch(resourcePath('', 'v1', 'pods', props.ns || undefined));
  const events = useWatch(resourcePath('', 'v1', 'events', props.ns || undefined));
  const usage = useNodeMetrics();
  const phases = new Map<string, number>();
  for (const p of pods.items) phases.set(podStatus(p), (phases.get(podStatus(p)) ?? 0) + 1);
  const warnings = events.items.filter((e) => e.type === 'Warning').sort((a, b) => String(b.lastTimestamp ?? '').localeCompare(String(a.lastTimestamp ?? ''))).slice(0, 10);
  return html`<section>
    <h2>Overview</h2>
    <h3>Nodes</h3>
    ${nodes.error
      ? html`<p class="muted">${nodes.error}</p>`
      : html`<table data-testid="nodes">
          <tr><th>Name</th><th>Ready</th><th>CPU capacity / allocatable / used</th><th>Memory capacity / allocatable / used</th><th>Pods</th></tr>
          ${nodes.items.map((n) => {
            const ready = ((n.status?.conditions ?? []) as { type: string; status: string }[]).find((c) => c.type === 'Ready')?.status ?? 'Unknown';
            const u = usage.get(n.metadata.name);
            const cap = (n.status?.capacity ?? {}) as Record<string, string>;
            const alloc = (n.status?.allocatable ?? {}) as Record<string, string>;
            return html`<tr key=${n.metadata.uid}>
              <td>${n.metadata.name}</td><td>${ready}</td>
              <td>${cap.cpu} / ${alloc.cpu} / ${u?.cpu ?? '–'}</td>
              <td>${cap.memory} / ${alloc.memory} / ${u?.memory ?? '–'}</td>
              <td>${alloc.pods}</td>
            </tr>`;
          })}
        </table>`}
    <h3>Pods by status</h3>
    ${pods.error
      ? html`<p class="muted">${pods.error}</p>`
      : html`<ul class="phases" data-testid="phases">
          ${[...phases].sort().map(([k, v]) => html`<li key=${k}><b>${v}</b> ${k}</li>`)}
        </ul>`}
    <h3>Recent warnings</h3>
    ${events.error
      ? html`<p class="muted">${events.error}</p>`
      : warnings.length === 0
        ? html`<p class="muted">No warnings.</p>`
        : html`<ul class="warnings">
            ${warnings.map((e) => html`<li key=${e.metadata.uid}><b>${String(e.reason ?? '')}</b> ${(e.involvedObject as { kind?: string; name?: string }).kind}/${(e.involvedObject as { name?: string }).name}: ${String(e.message ?? '')}</li>`)}
          </ul>`}
  </section>`;
}
