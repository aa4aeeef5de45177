// The client library in one import: REST client, watch, informer, work queue, kubeconfig.

export { ApiError, statusFromResponse, isNotFound, isConflict, isAlreadyExists, isGone } from './errors.js';
export { Transport, TransportError, type RawResponse, type TransportOptions, type TransportRequest } from './http.js';
export {
  loadKubeconfig,
  writeKubeconfig,
  renderKubeconfig,
  parseKubeconfig,
  mergeKubeconfigs,
  resolveConnection,
  kubeconfigPaths,
  TSKUBE_KUBECONFIG,
  type ClusterConnection,
  type KubeconfigFile,
  type LoadOptions,
  type WriteKubeconfigOptions,
} from './kubeconfig.js';
export {
  RestClient,
  ResourceClient,
  TABLE_ACCEPT,
  PATCH_CONTENT_TYPES,
  groupVersionPath,
  queryString,
  type Obj,
  type ListOptions,
  type WatchOptions,
  type GetOptions,
  type WriteOptions,
  type PatchType,
  type PatchOptions,
  type ApplyOptions,
  type DeleteOptions,
  type LogOptions,
  type RequestSpec,
  type RestClientOptions,
  type ResourceDescriptor,
} from './rest.js';
export { Watch, openWatch, type WatchEventHandler, type WatchCloseHandler } from './watch.js';
export { LineDecoder } from './lines.js';
export { Informer, type InformerOptions, type InformerStats, type AddHandler, type UpdateHandler, type DeleteHandler } from './informer.js';
export { Store, objectKey, splitKey, type HasMetadata } from './store.js';
export {
  WorkQueue,
  ExponentialFailureRateLimiter,
  BucketRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
  type WorkQueueOptions,
} from './workqueue.js';
