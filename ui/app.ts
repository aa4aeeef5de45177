// The page: sign-in until a session exists, then the navigation, the namespace choice and the
// view the hash names.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { forgetPermissions, signOut, whoAmI, type Who } from './api.js';
import { resetWatches } from './watch.js';
import { go, href, useRoute } from './router.js';
import { SignIn } from './views/signin.js';
import { Overview } from './views/overview.js';
import { Namespaces } from './views/namespaces.js';
import { Pods } from './views/pods.js';
import { PodView } from './views/pod.js';
import { Workloads } from './views/workloads.js';
import { Services } from './views/services.js';
import { Config } from './views/config.js';
import { Events } from './views/events.js';
import { lazy } from './lazy.js';

const YamlView = lazy(async () => (await import('./views/yaml.js')).YamlView);
const CreateView = lazy(async () => (await import('./views/yaml.js')).CreateView);

const NAV: [string, string][] = [
  ['overview', 'Overview'],
  ['namespaces', 'Namespaces'],
  ['workloads', 'Workloads'],
  ['pods', 'Pods'],
  ['services', 'Services'],
  ['config', 'ConfigMaps & Secrets'],
  ['events', 'Events'],
  ['create', 'Create'],
];

function View(props: { view: string; args: string[]; ns: string }) {
  const { view, args, ns } = props;
  switch (view) {
    case 'overview':
      return html`<${Overview} ns=${ns} />`;
    case 'namespaces':
      return html`<${Namespaces} />`;
    case 'workloads':
      return html`<${Workloads} ns=${ns} />`;
    case 'pods':
      return html`<${Pods} ns=${ns} />`;
    case 'pod':
      return html`<${PodView} ns=${args[0] ?? ''} name=${args[1] ?? ''} tab=${args[2] ?? 'details'} />`;
    case 'services':
      return html`<${Services} ns=${ns} />`;
    case 'config':
      return html`<${Config} ns=${ns} />`;
    case 'events':
      return html`<${Events} ns=${ns} />`;
    case 'yaml':
      return html`<${YamlView} path=${args[0] ?? ''} />`;
    case 'create':
      return html`<${CreateView} ns=${ns} />`;
    default:
      return html`<p>No such view.</p>`;
  }
}

export function App() {
  const [who, setWho] = useState<Who | null | undefined>(undefined);
  const route = useRoute();
  useEffect(() => {
    whoAmI().then(
      (w) => {
        performance.mark('tskube:session');
        setWho(w);
      },
      () => setWho(null),
    );
    const out = () => {
      resetWatches();
      setWho(null);
    };
    window.addEventListener('tskube-signed-out', out);
    return () => window.removeEventListener('tskube-signed-out', out);
  }, []);
  if (who === undefined) return html`<p class="loading">Loading…</p>`;
  if (who === null)
    return html`<${SignIn}
      onSignedIn=${(w: Who) => {
        forgetPermissions();
        setWho(w);
      }}
    />`;
  const leave = async () => {
    await signOut().catch(() => undefined);
    resetWatches();
    forgetPermissions();
    setWho(null);
  };
  return html`<div class="shell">
    <header>
      <strong>tskube</strong>
      <nav>${NAV.map(([v, label]) => html`<a href=${href(v)} class=${route.view === v ? 'active' : ''} data-nav=${v}>${label}</a>`)}</nav>
      <label class="ns"
        >namespace
        <input
          data-testid="namespace"
          placeholder="all"
          value=${route.ns}
          onChange=${(e: Event) => go(route.view, route.args, (e.target as HTMLInputElement).value.trim())}
      /></label>
      <span class="who" data-testid="user">${who.username}</span>
      <button onClick=${leave}>Sign out</button>
    </header>
    <main><${View} view=${route.view} args=${route.args} ns=${route.ns} /></main>
  </div>`;
}
