// The kubelets' Summary API (only CPU and memory), fetched with the apiserver's kubelet
// credentials and cached briefly per node: `kubectl top` and the HPA controller ask often,
// the kubelet's rates move every sample period. Concurrent askers share one request.
import type { Node } from '../../api/core.js';
import type { Summary } from '../../api/stats.js';
import { kubeletAddress, kubeletGet, type KubeletClientCredentials } from '../../client/kubelet-client.js';

/** Bigger answers are refused: a Summary with CPU and memory of 110 pods is a few hundred KiB. */
const MAX_BYTES = 16 << 20;

export interface SummarySource {
  summary(node: Node): Promise<Summary | undefined>;
}

export class KubeletSummaries implements SummarySource {
  private readonly cache = new Map<string, { at: number; value: Promise<Summary | undefined> }>();

  constructor(
    private readonly creds: KubeletClientCredentials,
    private readonly ttlMs = 5000,
    private readonly timeoutMs = 5000,
    private readonly log: (m: string) => void = () => undefined,
  ) {}

  /** The node's Summary, or undefined when its kubelet cannot be reached or answers badly (the node is then left out, as metrics-server does). */
  summary(node: Node): Promise<Summary | undefined> {
    const name = node.metadata.name ?? '';
    const hit = this.cache.get(name);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.fetch(node).catch((e: Error) => {
      this.log(`metrics: kubelet of node ${name}: ${e.message}`);
      return undefined;
    });
    this.cache.set(name, { at: Date.now(), value });
    // Forget nodes not asked about for a while (deleted ones).
    for (const [k, v] of this.cache) if (Date.now() - v.at > 10 * this.ttlMs) this.cache.delete(k);
    return value;
  }

  private fetch(node: Node): Promise<Summary> {
    const { host, port } = kubeletAddress(node);
    return new Promise((resolve, reject) => {
      const req = kubeletGet(host, port, '/stats/summary?only_cpu_and_memory=true', this.creds, (res) => {
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (d: Buffer) => {
          n += d.length;
          if (n > MAX_BYTES) req.destroy(new Error('summary too large'));
          else chunks.push(d);
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Summary);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
        res.on('error', reject);
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
  }
}
