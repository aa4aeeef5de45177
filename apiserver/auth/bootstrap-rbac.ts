// Writes the bootstrap policy at start, reconciled as upstream: missing roles and bindings
// are created; existing ones marked autoupdate=true get the rules and subjects they lack
// (an admin who set the annotation to "false" keeps their edits).

import { deepEqual } from '../../api/deep-equal.js';
import type { KubeObject } from '../../api/meta.js';
import type { ClusterRole, RoleBinding } from '../../api/rbac.js';
import { ApiError } from '../errors.js';
import type { Registries } from '../registry/index.js';
import type { RequestContext } from '../registry/strategy.js';
import { AUTOUPDATE, BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_CLUSTER_ROLE_BINDINGS } from './bootstrap-policy.js';

type Merge = (cur: KubeObject, want: KubeObject) => KubeObject | undefined;
const ctx: RequestContext = { fieldManager: 'kube-apiserver', dryRun: false };

async function reconcile<T extends KubeObject>(reg: Registries, resource: string, want: T, merge: (cur: T, want: T) => T | undefined): Promise<void> {
  const registry = reg.get('rbac.authorization.k8s.io', resource)!;
  const name = want.metadata.name!;
  for (let attempt = 0; attempt < 5; attempt++) {
    let cur: T | undefined;
    try {
      cur = (await registry.get(undefined, name)) as T;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    try {
      if (!cur) {
        await registry.create(ctx, structuredClone(want));
        return;
      }
      if (cur.metadata.annotations?.[AUTOUPDATE] === 'false') return;
      const next = merge(structuredClone(cur), want);
      if (!next) return;
      await registry.update(ctx, name, next);
      return;
    } catch (err) {
      // Another apiserver (or a restart's second pass) got there first: look again.
      if (err instanceof ApiError && (err.code === 409)) continue;
      throw err;
    }
  }
}

function mergeRole(cur: ClusterRole, want: ClusterRole): ClusterRole | undefined {
  let changed = false;
  if (want.aggregationRule) {
    if (!cur.aggregationRule) {
      cur.aggregationRule = structuredClone(want.aggregationRule);
      changed = true;
    }
  } else {
    cur.rules ??= [];
    for (const r of want.rules ?? []) {
      if (!cur.rules.some((x) => deepEqual(x, r))) {
        cur.rules.push(structuredClone(r));
        changed = true;
      }
    }
  }
  for (const [k, v] of Object.entries(want.metadata.labels ?? {})) {
    if (cur.metadata.labels?.[k] !== v) {
      cur.metadata.labels = { ...cur.metadata.labels, [k]: v };
      changed = true;
    }
  }
  return changed ? cur : undefined;
}

function mergeBinding(cur: RoleBinding, want: RoleBinding): RoleBinding | undefined {
  let changed = false;
  cur.subjects ??= [];
  for (const s of want.subjects ?? []) {
    if (!cur.subjects.some((x) => x.kind === s.kind && x.name === s.name && (x.namespace ?? '') === (s.namespace ?? ''))) {
      cur.subjects.push({ ...s });
      changed = true;
    }
  }
  return changed ? cur : undefined;
}

export async function ensureBootstrapPolicy(reg: Registries, log: (m: string) => void): Promise<void> {
  for (const r of BOOTSTRAP_CLUSTER_ROLES) await reconcile(reg, 'clusterroles', r as unknown as KubeObject, mergeRole as unknown as Merge);
  for (const b of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) await reconcile(reg, 'clusterrolebindings', b as unknown as KubeObject, mergeBinding as unknown as Merge);
  log(`bootstrap: ${BOOTSTRAP_CLUSTER_ROLES.length} cluster roles and ${BOOTSTRAP_CLUSTER_ROLE_BINDINGS.length} bindings reconciled`);
}
