// Pods, live: name, readiness, status, restarts, node, age, in a windowed list; delete when allowed.

import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { del, resourcePath, type KObject } from '../api.js';
import { useWatch } from '../watch.js';
import { age, byName, podReady, podRestarts, podStatus } from '../format.js';
import { VirtualList } from '../virtual-list.js';
import { href } from '../router.js';
import { useCan } from '../can.js';
import { useAction } from '../notice.js';

export function Pods(props: { ns: string }) {
  const list = useWatch(resourcePath('', 'v1', 'pods', props.ns || undefined));
  const [filter, setFilter] = useState('');
  const canDelete = useCan('delete', '', 'pods', props.ns || undefined);
  const [run, banner] = useAction();
  const items = useMemo(() => list.items.filter((p) => !filter || p.metadata.name.includes(filter)).sort(byName), [list.items, filter]);
  const now = Date.now();
  const row = (p: KObject) => {
    const status = podStatus(p);
    return html`<span class="c name"><a href=${href('pod', [p.metadata.namespace ?? '', p.metadata.name])}>${p.metadata.name}</a></span>
      <span class="c ns">${p.metadata.namespace}</span>
      <span class="c narrow">${podReady(p)}</span>
      <span class=${`c status s-${status}`} data-status=${status}>${status}</span>
      <span class="c narrow">${podRestarts(p)}</span>
      <span class="c">${p.spec?.nodeName ?? ''}</span>
      <span class="c narrow">${age(p.metadata.creationTimestamp, now)}</span>
      <span class="c actions"
        >${canDelete &&
        html`<button
          class="danger"
          data-action="delete"
          onClick=${() => confirm(`Delete pod ${p.metadata.name}?`) && run(() => del(resourcePath('', 'v1', 'pods', p.metadata.namespace, p.metadata.name)), `pod ${p.metadata.name} deleted`)}
        >
          Delete
        </button>`}</span
      >`;
  };
  return html`<section>
    <h2>Pods <small>${list.synced ? `${items.length}` : 'loading…'}</small></h2>
    ${list.error && html`<div class="banner error" role="alert">${list.error}</div>`} ${banner}
    <input class="filter" placeholder="filter by name" value=${filter} onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} />
    <div class="vhead"><span class="c name">Name</span><span class="c ns">Namespace</span><span class="c narrow">Ready</span><span class="c">Status</span><span class="c narrow">Restarts</span><span class="c">Node</span><span class="c narrow">Age</span><span class="c actions"></span></div>
    <${VirtualList} items=${items} keyOf=${(p: KObject) => p.metadata.uid ?? p.metadata.name} row=${row} testid="pods" />
  </section>`;
}
