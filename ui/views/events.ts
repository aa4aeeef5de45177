// Events, newest first, live.

import { html } from 'htm/preact';
import { resourcePath } from '../api.js';
import { useWatch } from '../watch.js';
import { EventTable } from './pod.js';

export function Events(props: { ns: string }) {
  const events = useWatch(resourcePath('', 'v1', 'events', props.ns || undefined));
  return html`<section>
    <h2>Events</h2>
    ${events.error && html`<div class="banner error" role="alert">${events.error}</div>`}
    <${EventTable} items=${events.items} />
  </section>`;
}
