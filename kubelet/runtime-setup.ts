// The runtime pieces the kubelet drives (image store, pod network, runtime), built from its
// options unless a test hands them in, and the start-up sweep of what a killed kubelet left
// with no record (before any pod worker creates anything).
import type { RuntimeService } from '../runtime/cri.js';
import { createImageService, type ImageService } from '../runtime/images/index.js';
import { createPodNetwork, type PodNetwork } from '../runtime/network/index.js';
import { removeUnrecorded } from '../runtime/orphans.js';
import { Runtime } from '../runtime/runtime.js';

export interface RuntimeParts {
  images: ImageService;
  network: PodNetwork | undefined;
  runtime: RuntimeService;
}

export interface RuntimeSetupOptions {
  runtime?: RuntimeService;
  images?: ImageService;
  network?: PodNetwork;
  imagesRoot?: string;
  containersDir?: string;
  cgroupRoot?: string;
  podCIDR?: string;
  bridgeName?: string;
  chainPrefix?: string;
  clusterCIDR?: string;
}

export async function buildRuntimeParts(opts: RuntimeSetupOptions, stateDir: string): Promise<RuntimeParts> {
  const images = opts.images ?? (await createImageService({ root: opts.imagesRoot ?? '/var/lib/tskube/images' }));
  const network = opts.runtime ? opts.network : (opts.network ?? createPodNetwork({ podCIDR: opts.podCIDR ?? '10.244.0.0/24', bridgeName: opts.bridgeName ?? 'cbr0', stateDir: `${stateDir}/network`, ...(opts.chainPrefix ? { chainPrefix: opts.chainPrefix } : {}), ...(opts.clusterCIDR ? { clusterCIDR: opts.clusterCIDR } : {}) }));
  const runtime = opts.runtime ?? new Runtime({ images, ...(network ? { network } : {}), stateDir, containersDir: opts.containersDir ?? '/var/lib/tskube/containers', cgroupRoot: opts.cgroupRoot ?? 'tskube' });
  return { images, network, runtime };
}

/** A kubelet killed while it started sandboxes or containers left some with no record: no pod will ever account for them. */
export async function sweepUnrecorded(parts: RuntimeParts, log: (m: string) => void): Promise<void> {
  if (!(parts.runtime instanceof Runtime)) return;
  const gone = await removeUnrecorded(parts.runtime, parts.network);
  const n = gone.processes.length + gone.cgroups.length + gone.sandboxes.length + gone.containers.length + gone.network.length;
  for (const f of gone.failed) log(`could not remove what no record accounts for: ${f}`);
  if (n) log(`removed what no record accounts for: ${gone.processes.length} processes, ${gone.cgroups.length} cgroups, ${gone.sandboxes.length} sandbox and ${gone.containers.length} container dirs, ${gone.network.length} network allocations`);
}
