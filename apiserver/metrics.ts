// apiserver metrics (prom-client), named as Kubernetes names them.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RESOURCES } from '../api/resources.js';

// Label values come only from fixed sets: a request for an unknown resource or with an odd
// method must not mint new series (unbounded memory) or carry user text into the exposition.
const VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'connect']);
const KNOWN_RESOURCES = new Set(RESOURCES.map((r) => r.resource));
const KNOWN_SUBRESOURCES = new Set(RESOURCES.flatMap((r) => r.subresources.map((s) => s.name)));
const verbLabel = (v: string) => (VERBS.has(v) ? v : 'other');
const resourceLabel = (r: string) => (KNOWN_RESOURCES.has(r) ? r : '');
const subresourceLabel = (s: string) => (KNOWN_SUBRESOURCES.has(s) ? s : '');
const codeLabel = (c: number) => (Number.isInteger(c) && c >= 100 && c < 600 ? String(c) : '0');

export interface WatchCounters {
  opened(resource: string): void;
  closed(resource: string): void;
}

export class ApiMetrics implements WatchCounters {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, resource, subresource and HTTP response code.',
    labelNames: ['verb', 'resource', 'subresource', 'code'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb and resource.',
    labelNames: ['verb', 'resource', 'subresource'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly watchers = new Gauge({
    name: 'apiserver_registered_watchers',
    help: 'Number of currently registered watchers for a given resource.',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });
  readonly watchesTotal = new Counter({
    name: 'apiserver_watch_requests_total',
    help: 'Number of watch requests started, per resource.',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tskube_apiserver_' });
  }

  /** Labelled children, looked up once per label set: every request records two metrics. */
  private readonly children = new Map<string, { duration: { observe(v: number): void }; requests: { inc(): void } }>();

  observe(verbIn: string, resourceIn: string, subresourceIn: string, code: number, seconds: number) {
    const verb = verbLabel(verbIn);
    const resource = resourceLabel(resourceIn);
    const subresource = subresourceLabel(subresourceIn);
    const key = `${verb} ${resource} ${subresource} ${code}`;
    let c = this.children.get(key);
    if (!c) {
      c = {
        duration: this.duration.labels({ verb, resource, subresource }),
        requests: this.requests.labels({ verb, resource, subresource, code: codeLabel(code) }),
      };
      this.children.set(key, c);
    }
    if (verb !== 'watch') c.duration.observe(seconds);
    c.requests.inc();
  }

  opened(resourceIn: string) {
    const resource = resourceLabel(resourceIn);
    this.watchers.inc({ resource });
    this.watchesTotal.inc({ resource });
  }

  closed(resourceIn: string) {
    const resource = resourceLabel(resourceIn);
    this.watchers.dec({ resource });
  }
}
