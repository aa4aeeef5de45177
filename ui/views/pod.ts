// One pod: status, conditions, containers and their states, labels and annotations (as text),
// its events, live; tabs for logs, a terminal and its YAML.

import { html } from 'htm/preact';
import { del, resourcePath, type KObject } from '../api.js';
import { useWatch } from '../watch.js';
import { age, podStatus } from '../format.js';
import { go, href } from '../router.js';
import { useCan } from '../can.js';
import { useAction } from '../notice.js';
import { Logs } from './logs.js';
import { lazy } from '../lazy.js';

const Terminal = lazy(async () => (await import('./terminal.js')).Terminal);

function KeyValues(props: { map?: Record<string, string>; testid: string }) {
  const entries = Object.entries(props.map ?? {});
  if (!entries.length) return html`<span class="muted">none</span>`;
  return html`<ul class="kv" data-testid=${props.testid}>
    ${entries.map(([k, v]) => html`<li key=${k}><b>${k}</b>=${v}</li>`)}
  </ul>`;
}

function stateText(s: Record<string, { reason?: string; exitCode?: number; startedAt?: string; message?: string }> | undefined): string {
  if (!s) return 'unknown';
  const [k, v] = Object.entries(s)[0] ?? ['unknown', {}];
  const bits = [v.reason, v.exitCode !== undefined ? `exit ${v.exitCode}` : '', v.startedAt ? `since ${v.startedAt}` : '', v.message].filter(Boolean);
  return `${k}${bits.length ? ` (${bits.join(', ')})` : ''}`;
}

export function PodView(props: { ns: string; name: string; tab: string }) {
  const { ns, name, tab } = props;
  const pods = useWatch(`${resourcePath('', 'v1', 'pods', ns)}?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`);
  const events = useWatch(resourcePath('', 'v1', 'events', ns));
  const canDelete = useCan('delete', '', 'pods', ns);
  const canExec = useCan('create', '', 'pods', ns, 'exec');
  const [run, banner] = useAction();
  const pod: KObject | undefined = pods.items[0];
  const tabs = ['details', 'logs', ...(canExec ? ['terminal'] : [])];
  const path = resourcePath('', 'v1', 'pods', ns, name);
  const head = html`<h2>Pod ${ns}/${name}</h2>
    <nav class="tabs">
      ${tabs.map((t) => html`<a href=${href('pod', [ns, name, t])} class=${t === tab ? 'active' : ''} data-tab=${t}>${t}</a>`)}
      <a href=${href('yaml', [path])} data-tab="yaml">yaml</a>
      ${canDelete &&
      html`<button class="danger" data-action="delete-pod" onClick=${() => run(async () => {
        await del(path);
        go('pods');
      })}>Delete</button>`}
    </nav>
    ${banner}`;
  if (!pods.synced) return html`<section>${head}<p>loading…</p></section>`;
  if (pods.error) return html`<section>${head}<div class="banner error" role="alert">${pods.error}</div></section>`;
  if (!pod) return html`<section>${head}<p data-testid="pod-gone">This pod does not exist (any more).</p></section>`;
  const containers = ((pod.spec?.containers ?? []) as { name: string; image: string }[]).map((c) => c.name);
  if (tab === 'logs') return html`<section>${head}<${Logs} ns=${ns} name=${name} containers=${containers} /></section>`;
  if (tab === 'terminal' && canExec) return html`<section>${head}<${Terminal} ns=${ns} name=${name} containers=${containers} /></section>`;
  const statuses = (pod.status?.containerStatuses ?? []) as { name: string; ready: boolean; restartCount: number; image: string; state?: Record<string, never>; lastState?: Record<string, never> }[];
  const conditions = (pod.status?.conditions ?? []) as { type: string; status: string; reason?: string; lastTransitionTime?: string }[];
  const mine = events.items.filter((e) => (e.involvedObject as { name?: string; kind?: string } | undefined)?.name === name && (e.involvedObject as { kind?: string }).kind === 'Pod');
  return html`<section>
    ${head}
    <dl class="facts">
      <dt>Status</dt><dd data-testid="pod-status">${podStatus(pod)}</dd>
      <dt>Node</dt><dd>${pod.spec?.nodeName ?? '(not scheduled)'}</dd>
      <dt>Pod IP</dt><dd>${pod.status?.podIP ?? ''}</dd>
      <dt>Age</dt><dd>${age(pod.metadata.creationTimestamp)}</dd>
      <dt>Labels</dt><dd><${KeyValues} map=${pod.metadata.labels} testid="labels" /></dd>
      <dt>Annotations</dt><dd><${KeyValues} map=${pod.metadata.annotations} testid="annotations" /></dd>
    </dl>
    <h3>Conditions</h3>
    <table><tr><th>Type</th><th>Status</th><th>Reason</th><th>Since</th></tr>
      ${conditions.map((c) => html`<tr key=${c.type}><td>${c.type}</td><td>${c.status}</td><td>${c.reason ?? ''}</td><td>${c.lastTransitionTime ?? ''}</td></tr>`)}
    </table>
    <h3>Containers</h3>
    <table><tr><th>Name</th><th>Image</th><th>Ready</th><th>Restarts</th><th>State</th><th>Last state</th></tr>
      ${statuses.map(
        (c) => html`<tr key=${c.name}><td>${c.name}</td><td>${c.image}</td><td>${String(c.ready)}</td><td>${c.restartCount}</td><td>${stateText(c.state)}</td><td>${c.lastState && Object.keys(c.lastState).length ? stateText(c.lastState) : ''}</td></tr>`,
      )}
    </table>
    <h3>Events</h3>
    <${EventTable} items=${mine} />
  </section>`;
}

export function EventTable(props: { items: KObject[] }) {
  const sorted = [...props.items].sort((a, b) => String(b.lastTimestamp ?? b.metadata.creationTimestamp ?? '').localeCompare(String(a.lastTimestamp ?? a.metadata.creationTimestamp ?? ''))).slice(0, 200);
  if (!sorted.length) return html`<p class="muted">No events.</p>`;
  return html`<table data-testid="events">
    <tr><th>Type</th><th>Reason</th><th>Object</th><th>Message</th><th>Count</th><th>Last seen</th></tr>
    ${sorted.map((e) => {
      const o = (e.involvedObject ?? {}) as { kind?: string; name?: string };
      return html`<tr key=${e.metadata.uid} class=${e.type === 'Warning' ? 'warn' : ''}><td>${String(e.type ?? '')}</td><td>${String(e.reason ?? '')}</td><td>${o.kind}/${o.name}</td><td>${String(e.message ?? '')}</td><td>${String(e.count ?? 1)}</td><td>${age(String(e.lastTimestamp ?? e.metadata.creationTimestamp ?? ''))}</td></tr>`;
    })}
  </table>`;
}
