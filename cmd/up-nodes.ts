// What `up` tells the controller-manager about nodes: node CIDRs from --cluster-cidr (so nodes
// that join get one) and the node monitor's grace period; in-process options or the flags of
// `hyperkube controller-manager` under --multi-process.

import type { ControllerManagerOptions } from '../controllers/manager.js';
import { parseDuration } from './controller-manager.js';

type Flags = Readonly<Record<string, string | boolean>>;

export function nodeControllerOptions(f: Flags): Pick<ControllerManagerOptions, 'clusterCIDR' | 'nodeCIDRMaskSize' | 'nodeMonitorGracePeriodMs'> {
  const mask = Number(f['node-cidr-mask-size']);
  const grace = parseDuration(String(f['node-monitor-grace-period']));
  if (!Number.isInteger(mask) || mask < 1 || mask > 32) throw new Error(`--node-cidr-mask-size must be a prefix length (1-32), got ${JSON.stringify(f['node-cidr-mask-size'])}`);
  if (!(grace > 0)) throw new Error(`--node-monitor-grace-period must be a positive duration, got ${JSON.stringify(f['node-monitor-grace-period'])}`);
  return { ...(f['allocate-node-cidrs'] ? { clusterCIDR: String(f['cluster-cidr']), nodeCIDRMaskSize: mask } : {}), nodeMonitorGracePeriodMs: grace };
}

export function nodeControllerArgs(f: Flags): string[] {
  return [
    ...(f['allocate-node-cidrs'] ? ['--allocate-node-cidrs', `--cluster-cidr=${String(f['cluster-cidr'])}`, `--node-cidr-mask-size=${String(f['node-cidr-mask-size'])}`] : []),
    `--node-monitor-grace-period=${String(f['node-monitor-grace-period'])}`,
  ];
}
