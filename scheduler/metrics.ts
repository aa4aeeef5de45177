// The scheduler's Prometheus metrics, on a registry the caller passes in.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SchedulerMetrics {
  attempts: Counter<'result'>;
  e2eDuration: Histogram<string>;
  pending: Gauge<'queue'>;
}

export function schedulerMetrics(registry: Registry): SchedulerMetrics {
  return {
    attempts: new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods, by the result: scheduled, unschedulable or error.',
      labelNames: ['result'],
      registers: [registry],
    }),
    e2eDuration: new Histogram({
      name: 'scheduler_e2e_scheduling_duration_seconds',
      help: 'E2e scheduling latency in seconds (scheduling algorithm + binding).',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    pending: new Gauge({
      name: 'scheduler_pending_pods',
      help: 'Number of pending pods, by the queue type: active, backoff or unschedulable.',
      labelNames: ['queue'],
      registers: [registry],
    }),
  };
}
