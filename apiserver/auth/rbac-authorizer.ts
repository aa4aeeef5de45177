// The RBAC authorizer: roles and bindings held in memory, fed by the apiserver's own watches
// on them (never an etcd read per request). The rules a user holds in a namespace are resolved
// once (every binding naming the user or one of its groups) into a RuleIndex and kept until any
// role or binding changes: a request is then one map lookup and, for nearly every rule, one set
// lookup — whatever object it names (a cache of decisions missed on every new name).

import type { KubeObject } from '../../api/meta.js';
import type { ClusterRole, PolicyRule, Role, RoleBinding } from '../../api/rbac.js';
import type { Registries } from '../registry/index.js';
import type { Watcher } from '../storage/interface.js';
import type { Attributes } from './attributes.js';
import { NO_OPINION, type AuthorizationResult, type Authorizer } from './authorizer.js';
import { subjectApplies } from './rbac-rules.js';
import { RuleIndex } from './rbac-rule-index.js';
import type { UserInfo } from './user.js';

const GROUP = 'rbac.authorization.k8s.io';
const ALLOW: AuthorizationResult = { decision: 'allow', reason: '' };
/** Resolved (user, namespace) rule sets at most; emptied when full (simple, and a resolution is cheap). */
const CACHE_MAX = 10_000;

interface Resolved {
  index: RuleIndex;
  /** Bindings whose role is missing (the reason of a refusal). */
  errors: string[];
}

export interface RulesResult {
  rules: PolicyRule[];
  /** Bindings whose role is missing, as upstream's resolution errors. */
  errors: string[];
}

export class RBACAuthorizer implements Authorizer {
  private readonly clusterRoles = new Map<string, ClusterRole>();
  private readonly roles = new Map<string, Role>();
  private readonly clusterRoleBindings = new Map<string, RoleBinding>();
  /** namespace → name → binding. */
  private readonly roleBindings = new Map<string, Map<string, RoleBinding>>();
  private readonly cache = new Map<string, Resolved>();
  private watchers: Watcher[] = [];
  private stopped = false;

  /** Starts the four watches; resolves once each has delivered its initial state. */
  async start(reg: Registries): Promise<void> {
    await Promise.all(['clusterroles', 'roles', 'clusterrolebindings', 'rolebindings'].map((r) => this.watch(reg, r)));
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.stop();
  }

  private async watch(reg: Registries, resource: string): Promise<void> {
    const registry = reg.get(GROUP, resource);
    if (!registry) throw new Error(`no registry for ${resource}.${GROUP}`);
    const restart = () => {
      if (!this.stopped) setTimeout(() => void this.watch(reg, resource).catch(restart), 1000).unref();
    };
    const w = await registry.watch(undefined, {}, {
      event: (type, obj) => this.apply(resource, type === 'DELETED', obj),
      end: restart,
    });
    this.watchers.push(w);
  }

  private apply(resource: string, deleted: boolean, obj: KubeObject): void {
    const name = obj.metadata.name ?? '';
    const ns = obj.metadata.namespace ?? '';
    const put = <T>(m: Map<string, T>, key: string) => (deleted ? m.delete(key) : m.set(key, obj as unknown as T));
    if (resource === 'clusterroles') put(this.clusterRoles, name);
    else if (resource === 'roles') put(this.roles, `${ns}/${name}`);
    else if (resource === 'clusterrolebindings') put(this.clusterRoleBindings, name);
    else {
      let m = this.roleBindings.get(ns);
      if (!m) this.roleBindings.set(ns, (m = new Map<string, RoleBinding>()));
      put(m, name);
      if (m.size === 0) this.roleBindings.delete(ns);
    }
    this.cache.clear();
  }

  /** The rules of the role a binding refers to, or the resolution error. */
  private roleRules(rb: RoleBinding, namespace: string): PolicyRule[] | string {
    const ref = rb.roleRef;
    if (ref?.kind === 'ClusterRole') {
      const r = this.clusterRoles.get(ref.name);
      return r ? (r.rules ?? []) : `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`;
    }
    if (ref?.kind === 'Role' && namespace) {
      const r = this.roles.get(`${namespace}/${ref.name}`);
      return r ? (r.rules ?? []) : `role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`;
    }
    return [];
  }

  /** Visits the user's rules (cluster bindings, then the namespace's) until `visit` returns true. */
  private visitRules(user: UserInfo, namespace: string, visit: (rule: PolicyRule) => boolean, errors: string[]): boolean {
    for (const rb of this.clusterRoleBindings.values()) {
      if (!(rb.subjects ?? []).some((s) => subjectApplies(s, user, ''))) continue;
      const rules = this.roleRules(rb, '');
      if (typeof rules === 'string') errors.push(rules);
      else if (rules.some(visit)) return true;
    }
    if (!namespace) return false;
    for (const rb of this.roleBindings.get(namespace)?.values() ?? []) {
      if (!(rb.subjects ?? []).some((s) => subjectApplies(s, user, namespace))) continue;
      const rules = this.roleRules(rb, namespace);
      if (typeof rules === 'string') errors.push(rules);
      else if (rules.some(visit)) return true;
    }
    return false;
  }

  authorize(a: Attributes): AuthorizationResult {
    const u = a.user;
    const namespace = a.resourceRequest ? a.namespace : '';
    const key = `${u.username}\0${u.groups.join('\x01')}\0${namespace}`;
    let r = this.cache.get(key);
    if (!r) {
      const { rules, errors } = this.rulesFor(u, namespace);
      r = { index: new RuleIndex(rules), errors };
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(key, r);
    }
    if (r.index.allows(a)) return ALLOW;
    return r.errors.length ? { decision: 'noOpinion', reason: `RBAC: ${r.errors.join(', ')}` } : NO_OPINION;
  }

  /** Every rule the user holds in `namespace` ('' for cluster-wide ones alone). */
  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRules(user, namespace, (r) => (rules.push(r), false), errors);
    return { rules, errors };
  }

  /** The rules of a roleRef as a binding in `namespace` would grant them (undefined: no such role). */
  roleRefRules(rb: RoleBinding, namespace: string): PolicyRule[] | undefined {
    const r = this.roleRules(rb, namespace);
    return typeof r === 'string' ? undefined : r;
  }

  clusterRole(name: string): ClusterRole | undefined {
    return this.clusterRoles.get(name);
  }
}
