// NodeRestriction admission, as upstream's: what the node authorizer lets every node do (write
// Nodes, create/delete pods, update pod status, evict, Leases, tokens) is kept here to the
// node's own objects. A node writes only its own Node (not its taints, nor labels under
// node-restriction.kubernetes.io/ or kubernetes.io/k8s.io ones a kubelet may not set), creates
// only mirror pods bound to itself that reference no secrets, configmaps, claims or service
// account, updates status of / deletes / evicts only pods bound to it, asks tokens only bound
// to its own pods, and touches only its own Lease. Refusals are 403s in upstream's words.

import type { KubeObject } from '../../api/meta.js';
import type { Node, Pod } from '../../api/core.js';
import type { Attributes } from '../auth/attributes.js';
import { forbiddenError } from '../auth/authorizer.js';
import { NODE_LEASE_NAMESPACE, nodeIdentity } from '../auth/node-authorizer.js';
import { podReferences } from '../auth/node-graph.js';
import type { UserInfo } from '../auth/user.js';
import type { Registries } from '../registry/index.js';
import type { RequestContext } from '../registry/strategy.js';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** Label prefixes and keys a kubelet may set on its Node (upstream's kubelet labels). */
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);

const labelNamespace = (k: string) => (k.includes('/') ? k.slice(0, k.indexOf('/')) : '');
const within = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

function isKubeletLabel(k: string): boolean {
  if (KUBELET_LABELS.has(k)) return true;
  const ns = labelNamespace(k);
  return KUBELET_LABEL_NAMESPACES.some((d) => within(ns, d));
}

/** Labels (added, changed or removed) a node may not set on itself. */
export function forbiddenNodeLabels(next: Record<string, string> | undefined, prev: Record<string, string> | undefined): string[] {
  const a = next ?? {};
  const b = prev ?? {};
  const modified = new Set<string>();
  for (const k of Object.keys(a)) if (!Object.hasOwn(b, k) || a[k] !== b[k]) modified.add(k);
  for (const k of Object.keys(b)) if (!Object.hasOwn(a, k) || a[k] !== b[k]) modified.add(k);
  return [...modified]
    .filter((k) => {
      const ns = labelNamespace(k);
      if (within(ns, 'node-restriction.kubernetes.io')) return true;
      return (within(ns, 'kubernetes.io') || within(ns, 'k8s.io')) && !isKubeletLabel(k);
    })
    .sort();
}

export class NodeRestriction {
  constructor(private readonly registries: Registries) {}

  private async pod(namespace: string, name: string): Promise<Pod> {
    return (await this.registries.byResource.get('pods')!.get(namespace, name));
  }

  /** Creates and updates, from the registries' admission (kind, object, context with the user). */
  async admit(kind: string, obj: KubeObject, ctx: RequestContext, old?: KubeObject): Promise<void> {
    const { isNode, name: node } = nodeIdentity(ctx.user);
    if (!isNode) return;
    const name = obj.metadata?.name ?? '';
    if (kind === 'Pod') {
      const deny = (why: string) => forbiddenError('', 'pods', name, why);
      if (!node) throw deny(`could not determine node from user ${JSON.stringify(ctx.user!.username)}`);
      if (!old) return this.admitMirrorPod(node, obj, deny);
      if (ctx.subresource !== 'status') throw deny(`unexpected operation "UPDATE", node ${JSON.stringify(node)} can only create and delete mirror pods`);
      const prev = old as Pod;
      if (prev.spec?.nodeName !== node) throw deny(`node ${JSON.stringify(node)} can only update pod status for pods with spec.nodeName set to itself`);
      if (JSON.stringify(sorted(prev.metadata.labels)) !== JSON.stringify(sorted(obj.metadata.labels))) throw deny(`node ${JSON.stringify(node)} cannot update labels through pod status`);
      return;
    }
    if (kind === 'Node') {
      const deny = (why: string) => forbiddenError('', 'nodes', name, why);
      if (name !== node) throw deny(`node ${JSON.stringify(node)} is not allowed to modify node ${JSON.stringify(name)}`);
      const next = obj as Node;
      if (!old) {
        const bad = forbiddenNodeLabels(next.metadata.labels, undefined);
        if (bad.length) throw deny(`node ${JSON.stringify(node)} is not allowed to set the following labels: ${bad.join(', ')}`);
        return;
      }
      const prev = old as Node;
      if (JSON.stringify(next.spec?.taints ?? []) !== JSON.stringify(prev.spec?.taints ?? [])) throw deny(`node ${JSON.stringify(node)} is not allowed to modify taints`);
      const bad = forbiddenNodeLabels(next.metadata.labels, prev.metadata.labels);
      if (bad.length) throw deny(`is not allowed to modify labels: ${bad.join(', ')}`);
      return;
    }
    if (kind === 'Lease') {
      const deny = (why: string) => forbiddenError('coordination.k8s.io', 'leases', name, why);
      if (obj.metadata?.namespace !== NODE_LEASE_NAMESPACE && ctx.namespace !== NODE_LEASE_NAMESPACE) throw deny(`can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
      if (name !== node) throw deny('can only access node lease with the same name as the requesting node');
      return;
    }
    if (kind === 'PersistentVolumeClaim') {
      if (ctx.subresource !== 'status' || !old) throw forbiddenError('', 'persistentvolumeclaims', name, 'may only update PVC status');
      // Only status.capacity and status.conditions: everything else must be as it was.
      const strip = (o: KubeObject) => {
        const c = structuredClone(o) as KubeObject & { status?: Record<string, unknown> };
        delete c.metadata.resourceVersion;
        delete c.metadata.managedFields;
        if (c.status) {
          delete c.status.capacity;
          delete c.status.conditions;
        }
        return JSON.stringify(c);
      };
      if (strip(obj) !== strip(old)) throw forbiddenError('', 'persistentvolumeclaims', name, `node ${JSON.stringify(node)} is not allowed to update fields other than status.capacity and status.conditions`);
    }
  }

  private async admitMirrorPod(node: string, pod: Pod, deny: (why: string) => Error): Promise<void> {
    if (!Object.hasOwn(pod.metadata.annotations ?? {}, MIRROR_ANNOTATION)) throw deny(`pod does not have ${JSON.stringify(MIRROR_ANNOTATION)} annotation, node ${JSON.stringify(node)} can only create mirror pods`);
    if (pod.spec?.nodeName !== node) throw deny(`node ${JSON.stringify(node)} can only create pods with spec.nodeName set to itself`);
    const owners = pod.metadata.ownerReferences ?? [];
    if (owners.length > 1) throw deny(`node ${JSON.stringify(node)} can only create pods with a single owner reference set to itself`);
    const owner = owners[0];
    if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) throw deny(`node ${JSON.stringify(node)} can only create pods with an owner reference set to itself`);
    if (owner.controller !== true) throw deny(`node ${JSON.stringify(node)} can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion === true) throw deny(`node ${JSON.stringify(node)} must not set blockOwnerDeletion on an owner reference`);
    const self = (await this.registries.byResource.get('nodes')!.get(undefined, node)) as Node;
    if (owner.uid !== self.metadata.uid) throw deny(`node ${node} UID mismatch: expected ${owner.uid} got ${self.metadata.uid ?? ''}`);
    if (pod.spec?.serviceAccountName || pod.spec?.serviceAccount) throw deny(`node ${JSON.stringify(node)} can not create pods that reference a service account`);
    const refs = [...podReferences(pod)];
    if (refs.some((r) => r.startsWith('secret/'))) throw deny(`node ${JSON.stringify(node)} can not create pods that reference secrets`);
    if (refs.some((r) => r.startsWith('configmap/'))) throw deny(`node ${JSON.stringify(node)} can not create pods that reference configmaps`);
    for (const v of pod.spec?.volumes ?? []) {
      for (const s of v.projected?.sources ?? []) if ((s as Record<string, unknown>).clusterTrustBundle) throw deny(`node ${JSON.stringify(node)} can not create pods that reference clustertrustbundles`);
    }
    if ((pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim)) throw deny(`node ${JSON.stringify(node)} can not create pods that reference persistentvolumeclaims`);
  }

  /**
   * What is decided by name and the stored pod, from the request's attributes (after
   * authorization): writes of Nodes (status writes too, which keep all but status as stored),
   * deletes, evictions and status writes of pods.
   */
  async admitRequest(a: Attributes): Promise<void> {
    const { isNode, name: node } = nodeIdentity(a.user);
    if (!isNode || !a.resourceRequest || a.apiGroup !== '' || !a.name) return;
    if (a.resource === 'nodes') {
      if (['update', 'patch', 'delete'].includes(a.verb) && a.name !== node) throw forbiddenError('', 'nodes', a.name, `node ${JSON.stringify(node)} is not allowed to modify node ${JSON.stringify(a.name)}`);
      return;
    }
    if (a.resource !== 'pods') return;
    if ((a.verb === 'update' || a.verb === 'patch') && a.subresource === 'status') {
      const pod = await this.pod(a.namespace, a.name);
      if (pod.spec?.nodeName !== node) throw forbiddenError('', 'pods', a.name, `node ${JSON.stringify(node)} can only update pod status for pods with spec.nodeName set to itself`);
    } else if (a.verb === 'delete' && a.subresource === '') {
      const pod = await this.pod(a.namespace, a.name);
      if (pod.spec?.nodeName !== node) throw forbiddenError('', 'pods', a.name, `node ${JSON.stringify(node)} can only delete pods with spec.nodeName set to itself`);
    } else if (a.verb === 'create' && a.subresource === 'eviction') {
      const pod = await this.pod(a.namespace, a.name);
      if (pod.spec?.nodeName !== node) throw forbiddenError('', 'pods', a.name, `node ${node} can only evict pods with spec.nodeName set to itself`);
    } else if (a.verb === 'create' && a.subresource !== '' && a.subresource !== 'eviction') {
      throw forbiddenError('', 'pods', a.name, `unexpected pod subresource ${JSON.stringify(a.subresource)}, only 'status' and 'eviction' are allowed`);
    }
  }

  /** A TokenRequest a node makes must be bound to a pod of its own. */
  async admitTokenRequest(user: UserInfo | undefined, namespace: string, name: string, body: KubeObject): Promise<void> {
    const { isNode, name: node } = nodeIdentity(user);
    if (!isNode) return;
    const deny = (why: string) => forbiddenError('', 'serviceaccounts', name, why);
    const ref = (body.spec as { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } } | undefined)?.boundObjectRef;
    if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw deny('node requested token not bound to a pod');
    if (!ref.uid) throw deny('node requested token with a pod binding without a uid');
    const pod = await this.pod(namespace, ref.name);
    if (ref.uid !== pod.metadata.uid) throw deny(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    if (pod.spec?.nodeName !== node) throw deny('node requested token bound to a pod scheduled on a different node');
  }
}

function sorted(m: Record<string, string> | undefined): [string, string][] {
  return Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
