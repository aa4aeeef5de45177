// Builds one Registry per served resource, each with its strategy.

import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { Storage } from '../storage/interface.js';
import { KeyAllocator, cidrRange, portRange } from '../allocator.js';
import { Registry } from './generic.js';
import { NamespaceRegistryGate, namespaceStrategy } from './namespaces.js';
import { podStrategy } from './pods.js';
import { serviceStrategy, type ServiceAllocators } from './services.js';
import { defaultStrategy, type Strategy } from './strategy.js';
import { secretStrategy } from './secrets.js';

export interface RegistryOptions {
  serviceCIDR: string;
  nodePortRange: string;
}

export interface Registries {
  byResource: Map<string, Registry>;
  /** key: "<group>/<resource>" ('' group for core) */
  get(group: string, resource: string): Registry | undefined;
  namespaces: Registry;
  allocators: ServiceAllocators;
}

export function buildRegistries(store: Storage, opts: RegistryOptions): Registries {
  const allocators: ServiceAllocators = {
    clusterIPs: new KeyAllocator(store, '/registry/serviceips/', cidrRange(opts.serviceCIDR)),
    nodePorts: new KeyAllocator(store, '/registry/servicenodeports/', portRange(opts.nodePortRange)),
  };
  const strategyFor = (info: ResourceInfo): Strategy => {
    switch (info.resource) {
      case 'pods':
        return podStrategy(info);
      case 'services':
        return serviceStrategy(info, allocators);
      case 'namespaces':
        return namespaceStrategy(info);
      case 'replicationcontrollers':
        return defaultStrategy(info, { tracksGeneration: true });
      case 'secrets':
        return secretStrategy(info);
      case 'endpoints':
      case 'events':
      case 'leases':
        return defaultStrategy(info, { allowCreateOnUpdate: true });
      default:
        return defaultStrategy(info);
    }
  };
  const nsInfo = RESOURCES.find((r) => r.resource === 'namespaces')!;
  const namespaces = new Registry(store, strategyFor(nsInfo));
  const gate = new NamespaceRegistryGate(namespaces);
  const byKey = new Map<string, Registry>();
  const byResource = new Map<string, Registry>();
  for (const info of RESOURCES) {
    if (info.resource === 'bindings') continue; // create-only, served by the pods registry
    const reg = info === nsInfo ? namespaces : new Registry(store, strategyFor(info), gate);
    byKey.set(`${info.group}/${info.resource}`, reg);
    byResource.set(info.resource, reg);
  }
  return { byResource, get: (g, r) => byKey.get(`${g}/${r}`), namespaces, allocators };
}
