// ConfigMaps and Secrets: keys listed, a Secret's values hidden until asked for (then decoded).

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { resourcePath, type KObject } from '../api.js';
import { useWatch } from '../watch.js';
import { byName } from '../format.js';
import { href } from '../router.js';

function decode(b64: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return '(not base64)';
  }
}

function Entries(props: { obj: KObject; secret: boolean }) {
  const [shown, setShown] = useState(false);
  const data = (props.obj.data ?? {}) as Record<string, string>;
  const keys = Object.keys(data);
  if (!keys.length) return html`<span class="muted">no data</span>`;
  return html`<div>
    ${props.secret && html`<button data-action="reveal" onClick=${() => setShown(!shown)}>${shown ? 'Hide values' : 'Show values'}</button>`}
    <ul class="kv">
      ${keys.map((k) => html`<li key=${k}><b>${k}</b>: ${props.secret ? (shown ? decode(data[k]) : '••••••') : data[k]}</li>`)}
    </ul>
  </div>`;
}

function Table(props: { items: KObject[]; resource: string; secret: boolean; error?: string }) {
  if (props.error) return html`<p class="muted">${props.error}</p>`;
  return html`<table data-testid=${props.resource}>
    <tr><th>Name</th><th>Namespace</th>${props.secret && html`<th>Type</th>`}<th>Data</th></tr>
    ${[...props.items].sort(byName).map(
      (o) => html`<tr key=${o.metadata.uid} data-name=${o.metadata.name}>
        <td><a href=${href('yaml', [resourcePath('', 'v1', props.resource, o.metadata.namespace, o.metadata.name)])}>${o.metadata.name}</a></td>
        <td>${o.metadata.namespace}</td>${props.secret && html`<td>${String(o.type ?? '')}</td>`}
        <td><${Entries} obj=${o} secret=${props.secret} /></td>
      </tr>`,
    )}
  </table>`;
}

export function Config(props: { ns: string }) {
  const ns = props.ns || undefined;
  const cms = useWatch(resourcePath('', 'v1', 'configmaps', ns));
  const secrets = useWatch(resourcePath('', 'v1', 'secrets', ns));
  return html`<section>
    <h2>ConfigMaps</h2>
    <${Table} items=${cms.items} resource="configmaps" secret=${false} error=${cms.error} />
    <h2>Secrets</h2>
    <${Table} items=${secrets.items} resource="secrets" secret=${true} error=${secrets.error} />
  </section>`;
}
