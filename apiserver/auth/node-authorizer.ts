// The node authorizer (--authorization-mode=Node), as upstream's with AuthorizeNodeWithSelectors
// (1.32): a kubelet (user system:node:<name> in group system:nodes) reads only the secrets,
// configmaps, claims, volumes and resource claims its own pods use and asks tokens only for
// their service accounts (the graph in node-graph.ts); it lists/watches pods only with
// fieldSelector spec.nodeName=<own> and reads only its own Node; its Lease only by its name.
// Everything else a node asks is held against upstream's static node rules. Which node may
// write which Node, pod or Lease is NodeRestriction admission's job (admission/node-restriction.ts).

import type { Attributes } from './attributes.js';
import { fieldEquals } from './attributes.js';
import { NO_OPINION, type AuthorizationResult, type Authorizer } from './authorizer.js';
import { NODE_RULES } from './bootstrap-policy.js';
import type { NodeGraph, VertexType } from './node-graph.js';
import { ruleAllows } from './rbac-rules.js';
import type { UserInfo } from './user.js';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
/** The namespace of node Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** upstream's NodeIdentity: a node user is in system:nodes and named system:node:<name> (name may be ''). */
export function nodeIdentity(u: UserInfo | undefined): { isNode: boolean; name: string } {
  if (!u || !u.username.startsWith(NODE_USER_PREFIX) || !u.groups.includes(NODES_GROUP)) return { isNode: false, name: '' };
  return { isNode: true, name: u.username.slice(NODE_USER_PREFIX.length) };
}

const ALLOW: AuthorizationResult = { decision: 'allow', reason: '' };
const no = (reason: string): AuthorizationResult => ({ decision: 'noOpinion', reason });

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  authorize(a: Attributes): AuthorizationResult {
    const { isNode, name: node } = nodeIdentity(a.user);
    if (!isNode) return NO_OPINION;
    if (!node) return no(`unknown node for user ${JSON.stringify(a.user.username)}`);
    if (a.resourceRequest) {
      const r = this.subdivided(node, a);
      if (r) return r;
    }
    return NODE_RULES.some((rule) => ruleAllows(a, rule)) ? ALLOW : NO_OPINION;
  }

  /** The resources upstream decides per node; undefined for the rest (static rules). */
  private subdivided(node: string, a: Attributes): AuthorizationResult | undefined {
    switch (`${a.apiGroup}/${a.resource}`) {
      case '/secrets':
        return this.readNamespaced(node, 'secret', a);
      case '/configmaps':
        return this.readNamespaced(node, 'configmap', a);
      case '/persistentvolumeclaims':
        if (a.subresource === 'status') return this.statusUpdate(node, a);
        return this.get(node, 'persistentvolumeclaim', a);
      case '/persistentvolumes':
        return this.get(node, 'persistentvolume', a);
      case 'resource.k8s.io/resourceclaims':
        return this.get(node, 'resourceclaim', a);
      case '/serviceaccounts':
        return this.createToken(node, a);
      case 'coordination.k8s.io/leases':
        return this.lease(node, a);
      case '/nodes':
        return this.node(node, a);
      case '/pods':
        return this.pod(node, a);
      default:
        return undefined;
    }
  }

  private related(node: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (!a.name) return no('No Object name found');
    return this.graph.reaches(node, type, a.namespace, a.name) ? ALLOW : no(`no relationship found between node '${node}' and this object`);
  }

  private readNamespaced(node: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (!['get', 'list', 'watch'].includes(a.verb)) return no('can only read resources of this type');
    if (a.subresource) return no('cannot read subresource');
    if (!a.namespace) return no('can only read namespaced object of this type');
    return this.related(node, type, a);
  }

  private get(node: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'get') return no('can only get individual resources of this type');
    if (a.subresource) return no('cannot get subresource');
    return this.related(node, type, a);
  }

  private statusUpdate(node: string, a: Attributes): AuthorizationResult {
    if (a.verb !== 'update' && a.verb !== 'patch') return no('can only get/update/patch this type');
    return this.related(node, 'persistentvolumeclaim', a);
  }

  private createToken(node: string, a: Attributes): AuthorizationResult {
    if (a.verb !== 'create' || !a.name) return no('can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return no('can only create token subresource of serviceaccount');
    return this.related(node, 'serviceaccount', a);
  }

  private lease(node: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return no('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE) return no(`can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
    // On create the name is in the body: NodeRestriction checks it.
    if (a.verb !== 'create' && a.name !== node) return no('can only access node lease with the same name as the requesting node');
    return ALLOW;
  }

  private node(node: string, a: Attributes): AuthorizationResult {
    if (a.subresource === '') {
      // Which Node a node may write is NodeRestriction's to say.
      if (['create', 'update', 'patch'].includes(a.verb)) return ALLOW;
      if (['get', 'list', 'watch'].includes(a.verb)) {
        // By name rather than the graph, so a kubelet may look for its Node before making it.
        if (a.name === node) return ALLOW;
        return no(a.name ? `node '${node}' cannot read '${a.name}', only its own Node object` : `node '${node}' cannot read all nodes, only its own Node object`);
      }
    } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
      return ALLOW;
    }
    return NO_OPINION;
  }

  private pod(node: string, a: Attributes): AuthorizationResult {
    if (a.subresource === '') {
      if (a.verb === 'get') return this.get(node, 'pod', a);
      if (a.verb === 'list' || a.verb === 'watch') {
        if (fieldEquals(a.fieldSelector, 'spec.nodeName').includes(node)) return ALLOW;
        if (a.name) return this.related(node, 'pod', a);
        return no('can only list/watch pods with spec.nodeName field selector');
      }
      // Mirror pods: NodeRestriction keeps them to the node's own.
      if (a.verb === 'create' || a.verb === 'delete') return ALLOW;
    } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
      return ALLOW;
    } else if (a.subresource === 'eviction' && a.verb === 'create') {
      return ALLOW;
    }
    return NO_OPINION;
  }
}
