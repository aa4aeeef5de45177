// What every cluster has from its first start: the system namespaces and the
// `kubernetes` Service (first address of the service CIDR); its endpoints are kept by
// kubernetes-endpoints.ts.

import type { KubeObject } from '../api/meta.js';
import { ApiError } from './errors.js';
import type { Registries } from './registry/index.js';
import type { RequestContext } from './registry/strategy.js';
import { systemPriorityClasses } from './registry/priority-classes.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
}

export async function bootstrap(reg: Registries, o: { port: number; log: (m: string) => void; serviceAccounts?: boolean }): Promise<void> {
  const ctx = (namespace?: string): RequestContext => ({ namespace, fieldManager: 'kube-apiserver', dryRun: false });
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(() => reg.namespaces.create(ctx(), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    // With ServiceAccount admission on, pods in the system namespaces need their `default`
    // account even in a cluster run without the controller-manager (which keeps it afterwards).
    if (o.serviceAccounts) await ensure(() => reg.byResource.get('serviceaccounts')!.create(ctx(name), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } }));
  }
  const services = reg.byResource.get('services')!;
  const firstIP = reg.allocators.clusterIPs.range.at(0);
  const existing = await services.get('default', 'kubernetes').catch((err) => {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  });
  if (!existing) {
    const svc: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: firstIP,
        ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: o.port }],
        sessionAffinity: 'None',
      },
    };
    await ensure(() => services.create(ctx('default'), svc));
  }
  // The system PriorityClasses (upstream's scheduling post-start hook); an existing one is left as it is.
  const priorityClasses = reg.byResource.get('priorityclasses')!;
  for (const pc of systemPriorityClasses()) await ensure(() => priorityClasses.create(ctx(), pc as unknown as KubeObject));
  o.log(`bootstrap: namespaces ${SYSTEM_NAMESPACES.join(', ')}, service default/kubernetes (${firstIP}) and the system priority classes ready`);
}
