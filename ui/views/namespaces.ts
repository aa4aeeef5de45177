// Namespaces, live; choosing one scopes the other views.

import { html } from 'htm/preact';
import { resourcePath } from '../api.js';
import { useWatch } from '../watch.js';
import { age, byName } from '../format.js';
import { href } from '../router.js';

export function Namespaces() {
  const list = useWatch(resourcePath('', 'v1', 'namespaces'));
  return html`<section>
    <h2>Namespaces</h2>
    ${list.error && html`<div class="banner error" role="alert">${list.error} — type a namespace you may read in the box above.</div>`}
    <table>
      <tr><th>Name</th><th>Status</th><th>Age</th></tr>
      ${[...list.items].sort(byName).map(
        (n) => html`<tr key=${n.metadata.uid}><td><a href=${href('pods', [], n.metadata.name)}>${n.metadata.name}</a></td><td>${n.status?.phase ?? ''}</td><td>${age(n.metadata.creationTimestamp)}</td></tr>`,
      )}
    </table>
  </section>`;
}
