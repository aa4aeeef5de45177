// Services and their endpoints, live.

import { html } from 'htm/preact';
import { resourcePath, type KObject } from '../api.js';
import { useWatch } from '../watch.js';
import { age, byName } from '../format.js';
import { href } from '../router.js';

function endpointText(ep: KObject | undefined): string {
  if (!ep) return '<none>';
  const subsets = (ep.subsets ?? []) as { addresses?: { ip: string }[]; ports?: { port: number }[] }[];
  const out: string[] = [];
  for (const s of subsets) for (const a of s.addresses ?? []) for (const p of s.ports ?? [{ port: 0 }]) out.push(p.port ? `${a.ip}:${p.port}` : a.ip);
  return out.length ? out.join(', ') : '<none>';
}

export function Services(props: { ns: string }) {
  const ns = props.ns || undefined;
  const services = useWatch(resourcePath('', 'v1', 'services', ns));
  const endpoints = useWatch(resourcePath('', 'v1', 'endpoints', ns));
  const eps = new Map(endpoints.items.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
  return html`<section>
    <h2>Services</h2>
    ${services.error && html`<div class="banner error" role="alert">${services.error}</div>`}
    <table data-testid="services">
      <tr><th>Name</th><th>Namespace</th><th>Type</th><th>Cluster IP</th><th>Ports</th><th>Endpoints</th><th>Age</th></tr>
      ${[...services.items].sort(byName).map((s) => {
        const ports = ((s.spec?.ports ?? []) as { port: number; protocol?: string; nodePort?: number }[]).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ');
        return html`<tr key=${s.metadata.uid}>
          <td><a href=${href('yaml', [resourcePath('', 'v1', 'services', s.metadata.namespace, s.metadata.name)])}>${s.metadata.name}</a></td>
          <td>${s.metadata.namespace}</td><td>${s.spec?.type ?? 'ClusterIP'}</td><td>${s.spec?.clusterIP ?? ''}</td><td>${ports}</td>
          <td>${endpointText(eps.get(`${s.metadata.namespace}/${s.metadata.name}`))}</td><td>${age(s.metadata.creationTimestamp)}</td>
        </tr>`;
      })}
    </table>
  </section>`;
}
