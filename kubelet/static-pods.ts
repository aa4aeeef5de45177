// Static pods from a manifest directory (YAML or JSON, several documents per
// file), polled and fs.watch'ed so a new file runs within a second or two.
// Each static pod gets a uid derived from its content and the node, so an
// unchanged file maps to the same running pod across kubelet restarts.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { Pod } from '../api/core.js';
import { defaultPod } from '../api/defaults.js';
import { A_CONFIG_HASH, A_CONFIG_SEEN, A_CONFIG_SOURCE, apiTime } from './labels.js';

function uuidFromHash(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Pods of one manifest file, named <name>-<node>, defaulted and bound to the node. */
export function parseManifest(text: string, file: string, nodeName: string, source: 'file' | 'http' = 'file'): Pod[] {
  const out: Pod[] = [];
  for (const doc of yaml.loadAll(text)) {
    if (!doc || typeof doc !== 'object') continue;
    const pod = doc as Pod;
    if (pod.kind && pod.kind !== 'Pod') continue;
    if (!pod.metadata?.name) throw new Error(`${file}: static pod without metadata.name`);
    pod.apiVersion = 'v1';
    pod.kind = 'Pod';
    pod.metadata.namespace ??= 'default';
    pod.metadata.name = `${pod.metadata.name}-${nodeName}`;
    const spec = (pod.spec ??= { containers: [] });
    spec.nodeName = nodeName;
    // No service account unless the file names one (as upstream's kubelet: static pods use no
    // API objects, and NodeRestriction refuses a mirror pod that names an account).
    const named = spec.serviceAccountName !== undefined || spec.serviceAccount !== undefined;
    defaultPod(pod);
    if (!named) {
      delete spec.serviceAccountName;
      delete spec.serviceAccount;
    }
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      c.imagePullPolicy ??= 'IfNotPresent';
      c.terminationMessagePath ??= '/dev/termination-log';
    }
    const hash = createHash('sha256').update(nodeName).update(file).update(JSON.stringify(pod)).digest('hex');
    pod.metadata.uid = uuidFromHash(hash);
    pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [A_CONFIG_SOURCE]: source, [A_CONFIG_HASH]: pod.metadata.uid, [A_CONFIG_SEEN]: apiTime() };
    pod.metadata.creationTimestamp ??= apiTime();
    pod.status = { phase: 'Pending' };
    out.push(pod);
  }
  return out;
}

export interface StaticPodSourceOptions {
  /** Manifest directory (may be absent). */
  dir?: string;
  /** --manifest-url: a URL serving one or more pod manifests (YAML/JSON), polled. */
  url?: string;
  nodeName: string;
  pollMs: number;
  onChange(pods: Pod[]): void;
  log(m: string): void;
}

export class StaticPodSource {
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private last = '';
  private debounce: NodeJS.Timeout | undefined;
  private urlPods: Pod[] = [];
  private urlBusy = false;

  constructor(private readonly o: StaticPodSourceOptions) {}

  /** Scan once now (synchronously reporting), then keep watching. */
  start(): void {
    this.scan();
    void this.fetchUrl();
    this.timer = setInterval(() => {
      this.scan();
      void this.fetchUrl();
    }, this.o.pollMs);
    try {
      if (this.o.dir && existsSync(this.o.dir)) this.watcher = watch(this.o.dir, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.scan(), 50);
      });
    } catch {
      /* polling alone is enough */
    }
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.watcher?.close();
  }

  /** Fetch the manifest URL; a failed fetch keeps what it served last (as the kubelet does). */
  private async fetchUrl(): Promise<void> {
    if (!this.o.url || this.urlBusy) return;
    this.urlBusy = true;
    try {
      const res = await fetch(this.o.url, { signal: AbortSignal.timeout(10_000) });
      if (res.status === 404) this.urlPods = [];
      else if (!res.ok) throw new Error(`HTTP ${res.status}`);
      else this.urlPods = parseManifest(await res.text(), this.o.url, this.o.nodeName, 'http');
      this.scan();
    } catch (e) {
      this.o.log(`manifest url ${this.o.url}: ${(e as Error).message}`);
    } finally {
      this.urlBusy = false;
    }
  }

  scan(): void {
    const pods: Pod[] = [];
    const seen = new Set<string>();
    const dir = this.o.dir;
    if (dir && existsSync(dir)) {
      for (const f of readdirSync(dir).sort()) {
        if (f.startsWith('.') || !/\.(ya?ml|json)$/.test(f)) continue;
        const p = join(dir, f);
        try {
          if (!statSync(p).isFile()) continue;
          for (const pod of parseManifest(readFileSync(p, 'utf8'), p, this.o.nodeName)) {
            const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
            if (seen.has(key)) continue; // first definition wins
            seen.add(key);
            pods.push(pod);
          }
        } catch (e) {
          this.o.log(`static pod ${p}: ${(e as Error).message}`);
        }
      }
    }
    for (const pod of this.urlPods) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (!seen.has(key)) {
        seen.add(key);
        pods.push(pod);
      }
    }
    const sig = pods.map((p) => p.metadata.uid).join(',');
    if (sig === this.last) return;
    this.last = sig;
    this.o.onChange(pods);
  }
}
