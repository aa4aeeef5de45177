// The kubelet's API clients. As Kubernetes' kubelet: pod status writes and events each go through
// a rate-limited client, so a burst of pods on the node does not crowd out the control plane
// binding them; the node's heartbeats (status, lease) use the unlimited one, so they are never
// queued behind a burst.
import { RestClient } from '../client/rest.js';

export interface KubeletClients {
  /** Unlimited: node status and lease. */
  base: RestClient;
  /** --kube-api-qps/--kube-api-burst: pods, informers, status. */
  client: RestClient;
  /** --event-qps/--event-burst. */
  eventClient: RestClient;
  /** Closes the limited clients this made (not a client handed in). */
  close(): void;
}

export function kubeletClients(o: { client?: RestClient; server?: string; kubeconfig?: string; kubeAPIQPS?: number; kubeAPIBurst?: number; eventRecordQPS?: number; eventBurst?: number }): KubeletClients {
  const base = o.client ?? (o.server ? new RestClient(o.server) : RestClient.fromKubeconfig(o.kubeconfig ? { path: o.kubeconfig } : {}));
  const limited = (qps: number, burst: number) => (qps > 0 ? new RestClient(base.connection, { qps, burst }) : base);
  const client = limited(o.kubeAPIQPS ?? 50, o.kubeAPIBurst ?? 100);
  const eventClient = limited(o.eventRecordQPS ?? 50, o.eventBurst ?? 100);
  return {
    base,
    client,
    eventClient,
    close() {
      for (const c of new Set([client, eventClient])) if (c !== base) c.close();
    },
  };
}
