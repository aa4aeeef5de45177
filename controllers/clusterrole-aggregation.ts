// The clusterrole-aggregation controller: a ClusterRole with an aggregationRule gets, as its
// rules, the rules of every ClusterRole its selectors match (in name order, duplicates
// dropped), as upstream's. Any ClusterRole change re-syncs the aggregated ones.

import { deepEqual } from '../api/deep-equal.js';
import type { ClusterRole, PolicyRule } from '../api/rbac.js';
import { resourceForKind } from '../api/resources.js';
import { labelSelectorMatcher } from '../api/selectors.js';
import { isConflict, isNotFound } from '../client/errors.js';
import type { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';

/** The rules an aggregated role should hold, given every cluster role. */
export function aggregatedRules(role: ClusterRole, all: ClusterRole[]): PolicyRule[] {
  const matchers = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s) => labelSelectorMatcher(s));
  const selected = all
    .filter((r) => r.metadata.name !== role.metadata.name && matchers.some((m) => m.matches(r.metadata.labels)))
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const rules: PolicyRule[] = [];
  for (const r of selected) for (const rule of r.rules ?? []) if (!rules.some((x) => deepEqual(x, rule))) rules.push(rule);
  return rules;
}

export interface ClusterRoleAggregationOptions {
  client: RestClient;
  informer: Informer<ClusterRole>;
  log?: (m: string) => void;
}

export class ClusterRoleAggregationController {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly o: ClusterRoleAggregationOptions) {}

  async start(): Promise<void> {
    const kick = () => this.schedule();
    this.o.informer.on('add', kick).on('update', kick).on('delete', kick);
    await this.syncAll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Changes come in bursts (bootstrap writes a dozen roles): one sync per burst. */
  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running) {
        this.again = true;
        return;
      }
      this.running = this.syncAll()
        .catch((err: unknown) => (this.o.log ?? console.error)(`clusterrole-aggregation: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          this.running = undefined;
          if (this.again) {
            this.again = false;
            this.schedule();
          }
        });
    }, 50);
  }

  async syncAll(): Promise<void> {
    const all = this.o.informer.store.list();
    const api = this.o.client.resourceFor<ClusterRole>(resourceForKind('ClusterRole')!);
    for (const role of all) {
      if (!role.aggregationRule) continue;
      const want = aggregatedRules(role, all);
      if (deepEqual(role.rules ?? [], want)) continue;
      try {
        await api.update({ ...role, rules: want });
      } catch (err) {
        // A newer version is on its way through the informer, which will sync again.
        if (isConflict(err) || isNotFound(err)) continue;
        throw err;
      }
    }
  }
}
