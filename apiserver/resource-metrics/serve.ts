// GET (get and list) of metrics.k8s.io/v1beta1 nodes and pods: the objects are built from the
// kubelets' Summaries on request (upstream serves them from metrics-server through aggregation;
// here the apiserver asks the kubelets itself). Selectors apply to the nodes'/pods' labels,
// which the metrics objects carry; nothing can be written or watched.
import type { ServerResponse } from 'node:http';
import type { Node, Pod } from '../../api/core.js';
import type { KubeList, KubeObject } from '../../api/meta.js';
import { methodNotAllowed, notFound } from '../errors.js';
import type { Registries } from '../registry/index.js';
import { buildFilter } from '../http/filters.js';
import { listOptionsOf, queryBool, type ApiRequest, type ResourcePath } from '../http/request.js';
import { sendJSON } from '../http/respond.js';
import { tableRequest, toTable } from '../http/tables.js';
import { nodeMetrics, podMetrics, podStatsOf } from './convert.js';
import type { SummarySource } from './scraper.js';

export interface MetricsDeps {
  registries: Registries;
  summaries: SummarySource;
}

const API_VERSION = 'metrics.k8s.io/v1beta1';

export async function serveMetrics(d: MetricsDeps, req: ApiRequest, res: ServerResponse, p: ResourcePath): Promise<void> {
  if (req.method !== 'GET' || p.subresource || p.watchPath || queryBool(req, 'watch')) throw methodNotAllowed('the server does not allow this method on the requested resource');
  const target = { resource: p.info.resource, group: p.info.group, name: p.name };
  const send = (obj: KubeObject | KubeList) => {
    const t = tableRequest(req);
    sendJSON(res, 200, t ? toTable(obj, t) : obj);
  };
  const nodes = d.registries.byResource.get('nodes')!;
  if (p.info.kind === 'NodeMetrics') {
    if (p.name !== undefined) {
      const node = (await nodes.get(undefined, p.name).catch(() => undefined)) as Node | undefined;
      const m = node && nodeMetrics(node, await d.summaries.summary(node));
      if (!m) throw notFound(target);
      return send(m as unknown as KubeObject);
    }
    const o = listOptionsOf(req, false);
    const filter = buildFilter(p.info, o.labelSelector, o.fieldSelector);
    const all = (await nodes.list(undefined)).items as unknown as Node[];
    const items = (await Promise.all(all.map(async (n) => nodeMetrics(n, await d.summaries.summary(n))))).filter((m) => m && (!filter || filter(m as unknown as KubeObject)));
    return send({ kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items });
  }
  const pods = d.registries.byResource.get('pods')!;
  const nodeCache = new Map<string, Promise<Node | undefined>>();
  const nodeOf = (name: string) => {
    if (!nodeCache.has(name)) nodeCache.set(name, nodes.get(undefined, name).then((n) => n as Node, () => undefined));
    return nodeCache.get(name)!;
  };
  const metricsOf = async (pod: Pod) => {
    const node = pod.spec?.nodeName ? await nodeOf(pod.spec.nodeName) : undefined;
    return node ? podMetrics(pod, podStatsOf(pod, await d.summaries.summary(node))) : undefined;
  };
  if (p.name !== undefined) {
    const pod = (await pods.get(p.namespace, p.name).catch(() => undefined)) as Pod | undefined;
    const m = pod && (await metricsOf(pod));
    if (!m) throw notFound(target);
    return send(m as unknown as KubeObject);
  }
  const o = listOptionsOf(req, false);
  const filter = buildFilter(p.info, o.labelSelector, o.fieldSelector);
  const all = (await pods.list(p.namespace)).items as unknown as Pod[];
  const items = (await Promise.all(all.map(metricsOf))).filter((m) => m && (!filter || filter(m as unknown as KubeObject)));
  send({ kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items });
}
