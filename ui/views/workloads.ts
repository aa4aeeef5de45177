// Workloads of every kind the apiserver serves, live, with the actions each allows: scale,
// restart (a new template annotation, as `kubectl rollout restart`; for ReplicationControllers and
// ReplicaSets, their pods deleted so they are made again), rollback of a Deployment to its previous
// ReplicaSet's template (as `kubectl rollout undo`), delete. Buttons show only where RBAC allows.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { del, get, mergePatch, resourcePath, type KObject } from '../api.js';
import { useWatch } from '../watch.js';
import { age, byName } from '../format.js';
import { href } from '../router.js';
import { useCan } from '../can.js';
import { useAction } from '../notice.js';

interface Kind {
  label: string;
  group: string;
  version: string;
  resource: string;
  scale: boolean;
  restart: 'template' | 'pods' | 'none';
  rollback?: boolean;
}

export const WORKLOAD_KINDS: Kind[] = [
  { label: 'Deployments', group: 'apps', version: 'v1', resource: 'deployments', scale: true, restart: 'template', rollback: true },
  { label: 'ReplicationControllers', group: '', version: 'v1', resource: 'replicationcontrollers', scale: true, restart: 'pods' },
  { label: 'ReplicaSets', group: 'apps', version: 'v1', resource: 'replicasets', scale: true, restart: 'pods' },
  { label: 'StatefulSets', group: 'apps', version: 'v1', resource: 'statefulsets', scale: true, restart: 'template' },
  { label: 'DaemonSets', group: 'apps', version: 'v1', resource: 'daemonsets', scale: false, restart: 'template' },
  { label: 'Jobs', group: 'batch', version: 'v1', resource: 'jobs', scale: false, restart: 'none' },
  { label: 'CronJobs', group: 'batch', version: 'v1', resource: 'cronjobs', scale: false, restart: 'none' },
];

function selectorOf(o: KObject): string {
  const sel = (o.spec?.selector ?? {}) as { matchLabels?: Record<string, string> } & Record<string, string>;
  const labels: Record<string, string> = sel.matchLabels ?? (Object.values(sel).every((v) => typeof v === 'string') ? sel : {});
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function counts(k: Kind, o: KObject): string {
  const s = o.status ?? {};
  if (k.resource === 'daemonsets') return `${s.numberReady ?? 0}/${s.desiredNumberScheduled ?? 0}`;
  if (k.resource === 'jobs') return `${s.succeeded ?? 0}/${o.spec?.completions ?? 1}`;
  if (k.resource === 'cronjobs') return o.spec?.suspend ? 'suspended' : String(o.spec?.schedule ?? '');
  return `${s.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`;
}

async function restart(k: Kind, o: KObject): Promise<void> {
  const path = resourcePath(k.group, k.version, k.resource, o.metadata.namespace, o.metadata.name);
  if (k.restart === 'template') {
    await mergePatch(path, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } });
    return;
  }
  const sel = selectorOf(o);
  if (!sel) throw new Error('no selector: nothing to restart');
  await del(`${resourcePath('', 'v1', 'pods', o.metadata.namespace)}?labelSelector=${encodeURIComponent(sel)}`);
}

/** `kubectl rollout undo`: the template of the ReplicaSet with the revision before the current one. */
async function rollback(o: KObject): Promise<void> {
  const ns = o.metadata.namespace;
  const rsList = await get<{ items: KObject[] }>(resourcePath('apps', 'v1', 'replicasets', ns));
  const rev = (r: KObject) => Number(r.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const mine = rsList.items.filter((r) => r.metadata.ownerReferences?.some((ref) => ref.uid === o.metadata.uid)).sort((a, b) => rev(b) - rev(a));
  const current = Number(o.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? rev(mine[0] ?? o));
  const previous = mine.find((r) => rev(r) < current);
  if (!previous) throw new Error(`deployment ${o.metadata.name} has no previous revision to roll back to`);
  const template = structuredClone(previous.spec?.template) as { metadata?: { labels?: Record<string, string> } };
  delete template.metadata?.labels?.['pod-template-hash'];
  await mergePatch(resourcePath('apps', 'v1', 'deployments', ns, o.metadata.name), { spec: { template } });
}

/** The replica count being typed is the form's own: a status update re-rendering the row keeps it. */
function ScaleForm(props: { replicas: number; onScale: (n: number) => Promise<void> }) {
  const [n, setN] = useState(String(props.replicas));
  return html`<form
    class="inline"
    onSubmit=${(e: Event) => {
      e.preventDefault();
      void props.onScale(Number(n));
    }}
  >
    <input name="replicas" type="number" min="0" max="10000" value=${n} onInput=${(e: Event) => setN((e.target as HTMLInputElement).value)} data-testid="replicas" />
    <button data-action="scale">Scale</button>
  </form>`;
}

function KindTable(props: { kind: Kind; ns: string }) {
  const k = props.kind;
  const ns = props.ns || undefined;
  const list = useWatch(resourcePath(k.group, k.version, k.resource, ns));
  const canPatch = useCan('patch', k.group, k.resource, ns);
  const canDelete = useCan('delete', k.group, k.resource, ns);
  const canDeletePods = useCan('deletecollection', '', 'pods', ns);
  const [run, banner] = useAction();
  if (list.error && !list.items.length) return html`<div class="kind"><h3>${k.label}</h3><p class="muted">${list.error}</p></div>`;
  const items = [...list.items].sort(byName);
  return html`<div class="kind" data-kind=${k.resource}>
    <h3>${k.label} <small>${items.length}</small></h3>
    ${banner}
    ${items.length === 0
      ? html`<p class="muted">none</p>`
      : html`<table>
          <tr><th>Name</th><th>Namespace</th><th>Ready</th><th>Age</th><th>Actions</th></tr>
          ${items.map((o) => {
            const path = resourcePath(k.group, k.version, k.resource, o.metadata.namespace, o.metadata.name);
            const name = o.metadata.name;
            return html`<tr key=${o.metadata.uid} data-name=${name}>
              <td><a href=${href('yaml', [path])}>${name}</a></td>
              <td>${o.metadata.namespace}</td>
              <td data-testid="ready">${counts(k, o)}</td>
              <td>${age(o.metadata.creationTimestamp)}</td>
              <td class="actions">
                ${k.scale && canPatch && html`<${ScaleForm} replicas=${o.spec?.replicas ?? 0} onScale=${(n: number) => run(() => mergePatch(path, { spec: { replicas: n } }), `${name} scaled to ${n}`)} />`}
                ${((k.restart === 'template' && canPatch) || (k.restart === 'pods' && canDeletePods)) &&
                html`<button data-action="restart" onClick=${() => run(() => restart(k, o), `${name} restarted`)}>Restart</button>`}
                ${k.rollback && canPatch && html`<button data-action="rollback" onClick=${() => run(() => rollback(o), `${name} rolled back`)}>Rollback</button>`}
                ${canDelete &&
                html`<button class="danger" data-action="delete" onClick=${() => confirm(`Delete ${name}?`) && run(() => del(path, { propagationPolicy: 'Background' }), `${name} deleted`)}>Delete</button>`}
              </td>
            </tr>`;
          })}
        </table>`}
  </div>`;
}

export function Workloads(props: { ns: string }) {
  return html`<section>
    <h2>Workloads</h2>
    ${WORKLOAD_KINDS.map((k) => html`<${KindTable} key=${k.resource} kind=${k} ns=${props.ns} />`)}
  </section>`;
}
