// Services: ClusterIP and NodePort allocation on create, kept on update, released on delete.

import type { Service, ServicePort } from '../../api/core.js';
import type { ResourceInfo } from '../../api/resources.js';
import { AllocationError, type KeyAllocator } from '../allocator.js';
import { invalid } from '../errors.js';
import type { Strategy } from './strategy.js';
import { defaultStrategy } from './strategy.js';

export interface ServiceAllocators {
  clusterIPs: KeyAllocator;
  nodePorts: KeyAllocator;
}

const needsClusterIP = (s: Service) => s.spec?.type !== 'ExternalName' && s.spec?.clusterIP !== 'None';
const needsNodePorts = (s: Service) => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer';

export function serviceStrategy(info: ResourceInfo, alloc: ServiceAllocators): Strategy<Service> {
  const fail = (svc: Service, field: string, err: unknown): never => {
    if (err instanceof AllocationError) {
      throw invalid({ resource: 'services', kind: 'Service', name: svc.metadata.name }, [
        { reason: 'FieldValueInvalid', field, message: `Invalid value: ${err.message}` },
      ]);
    }
    throw err;
  };
  const owner = (svc: Service) => `${svc.metadata.namespace}/${svc.metadata.name ?? svc.metadata.generateName ?? ''}`;

  async function allocateNodePorts(svc: Service, keep: Set<number>): Promise<void> {
    const ports: ServicePort[] = svc.spec?.ports ?? [];
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      if (p.nodePort && keep.has(p.nodePort)) continue;
      try {
        if (p.nodePort) await alloc.nodePorts.allocateSpecific(String(p.nodePort), owner(svc));
        else p.nodePort = Number(await alloc.nodePorts.allocateNext(owner(svc)));
      } catch (err) {
        fail(svc, `spec.ports[${i}].nodePort`, err);
      }
    }
  }

  return defaultStrategy<Service>(info, {
    async prepareForCreate(svc) {
      const spec = (svc.spec ??= {});
      svc.status = { loadBalancer: {} };
      if (needsClusterIP(svc)) {
        const asked = spec.clusterIP || spec.clusterIPs?.[0];
        try {
          spec.clusterIP = asked
            ? await alloc.clusterIPs.allocateSpecific(asked, owner(svc))
            : await alloc.clusterIPs.allocateNext(owner(svc));
        } catch (err) {
          fail(svc, 'spec.clusterIPs[0]', err);
        }
        spec.clusterIPs = [spec.clusterIP!];
      } else if (spec.clusterIP === 'None') {
        spec.clusterIPs = ['None'];
      }
      if (needsNodePorts(svc)) await allocateNodePorts(svc, new Set());
      else for (const p of spec.ports ?? []) delete p.nodePort;
    },
    async prepareForUpdate(svc, oldSvc) {
      const spec = (svc.spec ??= {});
      const oldSpec = oldSvc.spec ?? {};
      // clusterIP is immutable; an update that leaves it out keeps the allocated one.
      if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
      if (!spec.clusterIPs?.length && oldSpec.clusterIPs) spec.clusterIPs = [...oldSpec.clusterIPs];
      if (needsNodePorts(svc)) {
        const had = new Set((oldSpec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
        // A port that lost its nodePort in the update keeps the one it had, as kubectl apply expects.
        for (const p of spec.ports ?? []) {
          if (!p.nodePort) {
            const prev = (oldSpec.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
            if (prev?.nodePort) p.nodePort = prev.nodePort;
          }
        }
        await allocateNodePorts(svc, had);
      } else {
        for (const p of spec.ports ?? []) delete p.nodePort;
      }
    },
    async afterUpdate(obj, oldObj) {
      const now = new Set(nodePortsOf(obj));
      for (const p of nodePortsOf(oldObj)) if (!now.has(p)) await alloc.nodePorts.release(String(p));
    },
    async release(svc) {
      if (svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') await alloc.clusterIPs.release(svc.spec.clusterIP);
      for (const p of nodePortsOf(svc)) await alloc.nodePorts.release(String(p));
    },
  });
}

function nodePortsOf(svc: Service): number[] {
  return (svc.spec?.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n);
}
