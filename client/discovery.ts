// The resources a server serves beyond the built-in table (custom resources of CRDs), read from
// legacy discovery: each group api/resources.ts does not know, in its preferred version.
// Controllers that must reach every kind (namespace deletion, garbage collection) ask this, as
// upstream's do through their discovery clients.

import { RESOURCES, type ResourceInfo, type Verb } from '../api/resources.js';
import type { RestClient } from './rest.js';

const BUILT_IN_GROUPS = new Set(RESOURCES.map((r) => r.group));

interface APIGroupList {
  groups?: { name: string; preferredVersion?: { version: string } }[];
}
interface APIResourceList {
  resources?: { name: string; singularName?: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[]; categories?: string[] }[];
}

/** Resources of groups not built in, each in its group's preferred version (subresources left out). */
export async function discoverExtraResources(client: RestClient): Promise<ResourceInfo[]> {
  const groups = await client.request<APIGroupList>({ method: 'GET', path: '/apis', accept: 'application/json' });
  const out: ResourceInfo[] = [];
  for (const g of groups.groups ?? []) {
    const version = g.preferredVersion?.version;
    if (BUILT_IN_GROUPS.has(g.name) || !version) continue;
    let list: APIResourceList;
    try {
      list = await client.request<APIResourceList>({ method: 'GET', path: `/apis/${encodeURIComponent(g.name)}/${encodeURIComponent(version)}`, accept: 'application/json' });
    } catch {
      continue; // the group went away between the two requests
    }
    for (const r of list.resources ?? []) {
      if (r.name.includes('/')) continue;
      out.push({
        resource: r.name,
        kind: r.kind,
        listKind: `${r.kind}List`,
        singular: r.singularName ?? '',
        shortNames: r.shortNames ?? [],
        namespaced: r.namespaced,
        group: g.name,
        version,
        verbs: r.verbs as Verb[],
        subresources: [],
        ...(r.categories ? { categories: r.categories } : {}),
      });
    }
  }
  return out;
}
