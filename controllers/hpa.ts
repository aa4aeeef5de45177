// The horizontal-pod-autoscaler controller (upstream's horizontalpodautoscaling): every sync
// period each HPA reads its target's scale subresource, the pods its selector picks and their
// metrics.k8s.io PodMetrics (through the apiserver, as upstream's REST metrics client), computes
// the desired count (hpa-replicas.ts), applies the behavior's stabilization and rate limits and
// min/max, writes the scale and the HPA's status (currentMetrics, desiredReplicas, conditions).
// Resource and ContainerResource metrics only; Pods/Object/External need a custom metrics API.
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerCondition, MetricSpec, MetricStatus } from '../api/autoscaling.js';
import { scaleDownRules, scaleUpRules } from '../api/autoscaling.js';
import type { Pod, Scale } from '../api/core.js';
import type { PodMetrics } from '../api/metrics.js';
import { cpuQuantityOfMilli, memoryQuantityOfBytes } from './hpa-quantities.js';
import { milliValue } from '../api/quantity.js';
import { lookupResource, resourceForKind } from '../api/resources.js';
import type { EventRecorder } from '../client/events.js';
import type { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { limitRate, resourceReplicas, stabilize, type PodSample, type Recommendation, type ScaleEvent } from './hpa-replicas.js';

export interface HPAControllerOptions {
  client: RestClient;
  hpaInformer: Informer<HorizontalPodAutoscaler>;
  /** --horizontal-pod-autoscaler-sync-period (15 s). */
  syncPeriodMs?: number;
  recorder?: EventRecorder;
  log?: (m: string) => void;
}

const SCALABLE = new Set(['deployments', 'replicasets', 'statefulsets', 'replicationcontrollers']);
const PODMETRICS = { resource: 'pods', kind: 'PodMetrics', group: 'metrics.k8s.io', version: 'v1beta1', namespaced: true };

interface State {
  recommendations: Recommendation[];
  upEvents: ScaleEvent[];
  downEvents: ScaleEvent[];
}

const nowTime = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function setCondition(conds: HorizontalPodAutoscalerCondition[], old: HorizontalPodAutoscalerCondition[] | undefined, type: HorizontalPodAutoscalerCondition['type'], status: 'True' | 'False', reason: string, message: string): void {
  const prev = old?.find((c) => c.type === type);
  const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : nowTime();
  const c = { type, status, lastTransitionTime, reason, message };
  const i = conds.findIndex((x) => x.type === type);
  if (i >= 0) conds[i] = c;
  else conds.push(c);
}

/** A pod counts as ready when its Ready condition is True (upstream also discounts pods within the CPU initialization period). */
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** How upstream names a metric in messages and events. */
function metricName(m: MetricSpec): string {
  const src = m.resource ?? m.containerResource;
  if (!src) return `${m.type} metric`;
  const what = src.target?.type === 'Utilization' ? 'resource utilization (percentage of request)' : 'resource';
  return m.type === 'ContainerResource' ? `${src.name} container ${what}` : `${src.name} ${what}`;
}

export class HPAController {
  private readonly state = new Map<string, State>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly log: (m: string) => void;

  constructor(private readonly o: HPAControllerOptions) {
    this.log = o.log ?? ((m) => console.error(m));
  }

  start(): Promise<void> {
    // New HPAs are looked at at once; everything again every sync period.
    this.o.hpaInformer.on('add', (h) => void this.syncOne(h));
    this.o.hpaInformer.on('delete', (h) => this.state.delete(`${h.metadata.namespace}/${h.metadata.name}`));
    this.timer = setInterval(() => void this.syncAll(), this.o.syncPeriodMs ?? 15_000);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return Promise.resolve();
  }

  async syncAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const h of this.o.hpaInformer.store.list()) await this.syncOne(h);
    } finally {
      this.running = false;
    }
  }

  private async syncOne(h: HorizontalPodAutoscaler): Promise<void> {
    try {
      await this.reconcile(h);
    } catch (e) {
      this.log(`horizontal-pod-autoscaler ${h.metadata.namespace}/${h.metadata.name}: ${(e as Error).message}`);
    }
  }

  private async writeStatus(h: HorizontalPodAutoscaler, status: HorizontalPodAutoscaler['status']): Promise<void> {
    await this.o.client.resource('horizontalpodautoscalers', h.metadata.namespace).patch(h.metadata.name!, { status }, 'merge', { subresource: 'status' });
  }

  /** One pass over one HPA (exported for tests through syncAll). */
  async reconcile(h: HorizontalPodAutoscaler): Promise<void> {
    const ns = h.metadata.namespace!;
    const key = `${ns}/${h.metadata.name}`;
    const spec = h.spec!;
    const st: State = this.state.get(key) ?? { recommendations: [], upEvents: [], downEvents: [] };
    this.state.set(key, st);
    const conds: HorizontalPodAutoscalerCondition[] = [...(h.status?.conditions ?? [])];
    const old = h.status?.conditions;
    const base = { observedGeneration: h.metadata.generation, ...(h.status?.lastScaleTime ? { lastScaleTime: h.status.lastScaleTime } : {}) };
    const ref = spec.scaleTargetRef;
    const info = resourceForKind(ref.kind, ref.apiVersion) ?? lookupResource(ref.kind);
    let scale: Scale;
    try {
      if (!info || !SCALABLE.has(info.resource)) throw new Error(`no scale subresource for ${ref.kind}`);
      scale = await this.o.client.resource(info.resource, ns).getScale(ref.name);
    } catch (e) {
      setCondition(conds, old, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${(e as Error).message}`);
      this.o.recorder?.event(hpaRef(h), 'Warning', 'FailedGetScale', (e as Error).message);
      return this.writeStatus(h, { ...base, currentReplicas: h.status?.currentReplicas ?? 0, desiredReplicas: h.status?.desiredReplicas ?? 0, conditions: conds });
    }
    const current = scale.spec?.replicas ?? 0;
    const min = spec.minReplicas ?? 1;
    const max = spec.maxReplicas;
    const now = Date.now();
    let desired: number;
    let metricsStatus: MetricStatus[] | undefined = h.status?.currentMetrics;
    let rescaleReason = '';
    if (current === 0 && min !== 0) {
      desired = 0;
      setCondition(conds, old, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else {
      let proposal: number;
      try {
        const r = await this.metricReplicas(h, scale, current);
        proposal = r.replicas;
        metricsStatus = r.statuses;
        rescaleReason = proposal > current ? `${r.name} above target` : 'All metrics below target';
        setCondition(conds, old, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${r.name}`);
      } catch (e) {
        const reason = (e as { reason?: string }).reason ?? 'FailedGetResourceMetric';
        setCondition(conds, old, 'ScalingActive', 'False', reason, `the HPA was unable to compute the replica count: ${(e as Error).message}`);
        this.o.recorder?.event(hpaRef(h), 'Warning', reason, (e as Error).message);
        setCondition(conds, old, 'AbleToScale', 'True', 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale');
        return this.writeStatus(h, { ...base, currentReplicas: current, desiredReplicas: h.status?.desiredReplicas ?? current, ...(metricsStatus ? { currentMetrics: metricsStatus } : {}), conditions: conds });
      }
      const up = scaleUpRules(spec.behavior?.scaleUp);
      const down = scaleDownRules(spec.behavior?.scaleDown);
      const stab = stabilize(current, proposal, st.recommendations, up.stabilizationWindowSeconds, down.stabilizationWindowSeconds, now);
      const longest = Math.max(up.stabilizationWindowSeconds, down.stabilizationWindowSeconds) * 1000;
      st.recommendations = [...st.recommendations.filter((r) => r.atMs > now - longest), { atMs: now, replicas: proposal }];
      const limited = limitRate(current, stab.replicas, min, max, up, down, st.upEvents, st.downEvents, now);
      desired = limited.replicas;
      setCondition(conds, old, 'ScalingLimited', limited.reason === 'DesiredWithinRange' ? 'False' : 'True', limited.reason, limited.message);
      if (desired === current) setCondition(conds, old, 'AbleToScale', 'True', stab.reason || 'ReadyForNewScale', stab.message || 'recommended size matches current size');
    }
    let lastScaleTime = h.status?.lastScaleTime;
    if (desired !== current) {
      try {
        await this.o.client.resource(info.resource, ns).scale(ref.name, desired);
      } catch (e) {
        setCondition(conds, old, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${(e as Error).message}`);
        this.o.recorder?.event(hpaRef(h), 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${(e as Error).message}`);
        return this.writeStatus(h, { ...base, currentReplicas: current, desiredReplicas: desired, ...(metricsStatus ? { currentMetrics: metricsStatus } : {}), conditions: conds });
      }
      const maxPeriod = (rules: { policies: { periodSeconds: number }[] }) => Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
      if (desired > current) st.upEvents = [...st.upEvents.filter((e) => e.atMs > now - maxPeriod(scaleUpRules(spec.behavior?.scaleUp))), { atMs: now, change: desired - current }];
      else st.downEvents = [...st.downEvents.filter((e) => e.atMs > now - maxPeriod(scaleDownRules(spec.behavior?.scaleDown))), { atMs: now, change: current - desired }];
      lastScaleTime = nowTime();
      setCondition(conds, old, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.o.recorder?.event(hpaRef(h), 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason || (desired > current ? 'Current number of replicas below Spec.MinReplicas' : 'Current number of replicas above Spec.MaxReplicas')}`);
    }
    await this.writeStatus(h, { ...base, ...(lastScaleTime ? { lastScaleTime } : {}), currentReplicas: current, desiredReplicas: desired, ...(metricsStatus ? { currentMetrics: metricsStatus } : {}), conditions: conds });
  }

  /** The largest proposal over the HPA's metrics (computeReplicasForMetrics), with each metric's status. */
  private async metricReplicas(h: HorizontalPodAutoscaler, scale: Scale, current: number): Promise<{ replicas: number; statuses: MetricStatus[]; name: string }> {
    const ns = h.metadata.namespace!;
    const selector = scale.status?.selector;
    if (!selector) throw Object.assign(new Error('selector is required'), { reason: 'SelectorRequired' });
    const [podList, metricList] = await Promise.all([
      this.o.client.pods(ns).list({ labelSelector: selector }),
      this.o.client.resourceFor<PodMetrics>(PODMETRICS, ns).list({ labelSelector: selector }),
    ]);
    // Deleted and finished pods are not counted at all (upstream's ignored pods).
    const pods = podList.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
    const usage = new Map(metricList.items.map((m) => [m.metadata.name, m]));
    let best = -1;
    let bestName = '';
    const statuses: MetricStatus[] = [];
    for (const m of h.spec?.metrics ?? []) {
      const src = m.type === 'Resource' ? m.resource : m.type === 'ContainerResource' ? m.containerResource : undefined;
      if (!src) throw Object.assign(new Error(`the ${m.type} metric source needs a custom or external metrics API, which this cluster does not serve`), { reason: `FailedGet${m.type}Metric` });
      const container = m.type === 'ContainerResource' ? m.containerResource?.container : undefined;
      const samples: PodSample[] = pods.map((p) => {
        const cs = (p.spec?.containers ?? []).filter((c) => !container || c.name === container);
        let request = 0;
        for (const c of cs) {
          const q = c.resources?.requests?.[src.name];
          if (q === undefined && src.target.type === 'Utilization') throw new Error(`missing request for ${src.name} in container ${c.name} of Pod ${p.metadata.name}`);
          if (q !== undefined) request += milliValue(q);
        }
        const pm = usage.get(p.metadata.name);
        const used = pm?.containers.filter((c) => !container || c.name === container).reduce((a, c) => a + milliValue(c.usage[src.name as 'cpu' | 'memory'] ?? '0'), 0);
        return { name: p.metadata.name ?? '', request, ready: src.name !== 'cpu' || isReady(p), ...(pm ? { usage: used } : {}) };
      });
      const target = src.target.type === 'Utilization' ? { utilization: src.target.averageUtilization ?? 0 } : { averageValue: milliValue(src.target.averageValue ?? src.target.value ?? '0') };
      const r = resourceReplicas(current, samples, target, src.name);
      const currentStatus = r.utilization !== undefined
        ? { averageUtilization: r.utilization, averageValue: quantityOf(src.name, averageUsage(samples)) }
        : { averageValue: quantityOf(src.name, r.averageValue ?? 0) };
      statuses.push(m.type === 'Resource' ? { type: 'Resource', resource: { name: src.name, current: currentStatus } } : { type: 'ContainerResource', containerResource: { name: src.name, container: container ?? '', current: currentStatus } });
      if (r.replicas > best) {
        best = r.replicas;
        bestName = metricName(m);
      }
    }
    if (best < 0) throw new Error('no metrics to compute a replica count from');
    return { replicas: best, statuses, name: bestName };
  }
}

function averageUsage(samples: PodSample[]): number {
  const withUsage = samples.filter((s) => s.usage !== undefined);
  return withUsage.length ? withUsage.reduce((a, s) => a + (s.usage ?? 0), 0) / withUsage.length : 0;
}

/** Milli-units back to a quantity: millicores for cpu, bytes for memory and the rest. */
function quantityOf(resource: string, milli: number): string {
  return resource === 'cpu' ? cpuQuantityOfMilli(milli) : memoryQuantityOfBytes(milli / 1000);
}

function hpaRef(h: HorizontalPodAutoscaler) {
  return { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', metadata: h.metadata };
}
