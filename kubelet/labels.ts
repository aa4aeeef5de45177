// Labels the kubelet puts on runtime sandboxes and containers. They are the
// only link between runtime state and API pods, which is what lets a
// restarted kubelet re-adopt what is running (the runtime keeps them on disk).
export const L_POD_UID = 'io.kubernetes.pod.uid';
export const L_POD_NAME = 'io.kubernetes.pod.name';
export const L_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const L_CONTAINER_NAME = 'io.kubernetes.container.name';
export const L_CONTAINER_HASH = 'io.kubernetes.container.hash';
/** "init" for init containers, "app" otherwise. */
export const L_CONTAINER_KIND = 'io.tskube.container.kind';

export const A_CONFIG_SOURCE = 'kubernetes.io/config.source';
export const A_CONFIG_HASH = 'kubernetes.io/config.hash';
export const A_CONFIG_MIRROR = 'kubernetes.io/config.mirror';
export const A_CONFIG_SEEN = 'kubernetes.io/config.seen';

export const CONTAINER_ID_PREFIX = 'tskube://';

/** RFC3339 with second precision, as metav1.Time. */
export function apiTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC3339 with microseconds, as metav1.MicroTime (Lease renewTime). */
export function microTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
