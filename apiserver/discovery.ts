// Discovery documents: /version, /api, /apis, /apis/<group>[/<version>], /api/v1, in the
// legacy form, and /api and /apis also aggregated (apidiscovery.k8s.io/v2) when asked for.

import { apiResourceList, groupVersions, resourcesIn, type ResourceInfo } from '../api/resources.js';

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-tskube',
  gitCommit: 'tskube',
  gitTreeState: 'clean',
  buildDate: '2026-11-23T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroup(group: string) {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  if (versions.length === 0) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList() {
  const groups = [...new Set(groupVersions().map((gv) => gv.group).filter((g) => g !== ''))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => apiGroup(g)!) };
}

export function resourceList(group: string, version: string) {
  const list = apiResourceList(group, version);
  return list.resources.length ? list : undefined;
}

// ---------------------------------------------------------------- aggregated discovery
// kubectl 1.32 asks /api and /apis first for apidiscovery.k8s.io/v2 APIGroupDiscoveryList (every
// group, version and resource in one answer, instead of one request per group version); a plain
// application/json answer makes it fall back to the legacy documents above.

export type DiscoveryVersion = 'v2' | 'v2beta1';

/** The aggregated discovery version an Accept header asks for first, if any. */
export function aggregatedDiscoveryWanted(accept: string | undefined): DiscoveryVersion | undefined {
  for (const entry of (accept ?? '').split(',')) {
    const params = new Map<string, string>();
    const [type, ...rest] = entry.split(';').map((s) => s.trim());
    if (type !== 'application/json') continue;
    for (const p of rest) {
      const i = p.indexOf('=');
      if (i > 0) params.set(p.slice(0, i).trim(), p.slice(i + 1).trim());
    }
    if (params.get('g') !== 'apidiscovery.k8s.io' || params.get('as') !== 'APIGroupDiscoveryList') continue;
    const v = params.get('v');
    if (v === 'v2' || v === 'v2beta1') return v;
  }
  return undefined;
}

export function aggregatedContentType(v: DiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
}

/** APIGroupDiscoveryList of the core group (`/api`) or of every named group (`/apis`). */
export function aggregatedDiscovery(which: 'core' | 'groups', v: DiscoveryVersion) {
  const byGroup = new Map<string, string[]>();
  for (const gv of groupVersions()) {
    if ((gv.group === '') !== (which === 'core')) continue;
    byGroup.set(gv.group, [...(byGroup.get(gv.group) ?? []), gv.version]);
  }
  const items = [...byGroup].map(([group, versions]) => ({
    metadata: { ...(group ? { name: group } : {}), creationTimestamp: null },
    versions: versions.map((version) => ({ version, resources: resourcesIn(group, version).map(discoveredResource), freshness: 'Current' })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${v}`, metadata: {}, items };
}

function discoveredResource(r: ResourceInfo) {
  return {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs],
    ...(r.shortNames.length ? { shortNames: [...r.shortNames] } : {}),
    ...(r.categories ? { categories: [...r.categories] } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
            verbs: [...s.verbs],
          })),
        }
      : {}),
  };
}
