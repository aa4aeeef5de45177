// bench proxy: full sync of 1, 100 and 1000 Services x 3 endpoints (render +
// apply through iptables-restore), and the time from an Endpoints change to the
// new rule being live in the kernel, beside the anchor measured in the same
// run: iptables-restore of the same ruleset alone. Everything happens inside a
// throwaway network namespace, so the host's tables are never touched.

import { pathToFileURL } from 'node:url';
import { ChainNames } from '../proxy/chains.js';
import { ExecIptables, type Iptables, type RestoreOptions } from '../proxy/iptables.js';
import type { JumpRule, Table } from '../proxy/jumps.js';
import { createNetns, inNetns, removeNetns, uniqueName } from '../testing/proxy-netns.js';
import { Proxier } from '../proxy/proxier.js';
import { renderAll } from '../proxy/render.js';
import { syntheticCluster, syntheticEndpoints, type SyntheticOptions } from '../testing/proxy-synthetic.js';
import { absolute, report, summarize, vsAnchor, type Figure } from './common.js';

const SIZES = [1, 100, 1000];
const REPS = 3;
const CHANGES = 50;
const PER_SERVICE = 3;

/** The real iptables, timing each restore (what "iptables-restore alone" costs inside a sync). */
class TimedIptables implements Iptables {
  restoreMs: number[] = [];
  constructor(private readonly inner: ExecIptables) {}
  async restore(text: string, opts?: RestoreOptions) {
    const t0 = performance.now();
    await this.inner.restore(text, opts);
    this.restoreMs.push(performance.now() - t0);
  }
  save(table: Table) {
    return this.inner.save(table);
  }
  ensureJump(rule: JumpRule) {
    return this.inner.ensureJump(rule);
  }
  deleteJump(rule: JumpRule) {
    return this.inner.deleteJump(rule);
  }
  deleteChains(prefix: string) {
    return this.inner.deleteChains(prefix);
  }
  supportsRandomFully() {
    return this.inner.supportsRandomFully();
  }
}

const median = (xs: number[]) => summarize(xs).p50;

/** First sync of a fresh Proxier (empty tables): lists in → rules applied. */
async function proxySync(ipt: ExecIptables, prefix: string, opts: SyntheticOptions): Promise<number> {
  const { services, endpoints } = syntheticCluster(opts);
  const p = new Proxier({ iptables: ipt, chainPrefix: prefix, clusterCIDR: '10.244.0.0/16', log: () => {} });
  const t0 = performance.now();
  p.onServices(services);
  p.onEndpoints(endpoints);
  await p.settled();
  const ms = performance.now() - t0;
  if (p.healthz().lastError) throw new Error(`sync failed: ${p.healthz().lastError}`);
  await p.cleanup();
  return ms;
}

/** The anchor: iptables-restore of the same ruleset into empty tables, nothing else. */
async function restoreAlone(ipt: ExecIptables, prefix: string, opts: SyntheticOptions): Promise<number> {
  const { services, endpoints } = syntheticCluster(opts);
  const { text } = renderAll({ services, endpoints, chainPrefix: prefix, clusterCIDR: '10.244.0.0/16', randomFully: await ipt.supportsRandomFully() });
  const t0 = performance.now();
  await ipt.restore(text, { noflush: true });
  const ms = performance.now() - t0;
  await ipt.deleteChains(prefix);
  return ms;
}

/** Endpoints change → the service chain jumps to the new endpoint's chain, as seen by `iptables -S` in the netns. */
async function endpointChanges(netns: string, ipt: ExecIptables, prefix: string, opts: SyntheticOptions) {
  const timed = new TimedIptables(ipt);
  const names = new ChainNames(prefix);
  const { services, endpoints } = syntheticCluster(opts);
  const p = new Proxier({ iptables: timed, chainPrefix: prefix, clusterCIDR: '10.244.0.0/16', log: () => {} });
  p.onServices(services);
  p.onEndpoints(endpoints);
  await p.settled();
  timed.restoreMs = [];
  const live: number[] = [];
  const syncMs: number[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const i = (k * 37) % opts.services;
    const ep = syntheticEndpoints(i, opts, k + 1);
    const first = ep.subsets![0].addresses![0].ip;
    const svcName = `${ep.metadata.namespace}/${ep.metadata.name}:http`;
    const svcChain = names.servicePort(svcName, 'tcp');
    const sepChain = names.endpoint(svcName, 'tcp', `${first}:8080`);
    // Spread the changes over the rate limiter's phase, as real updates arrive.
    await new Promise((r) => setTimeout(r, (k * 13) % 100));
    const t0 = performance.now();
    p.updateEndpoints('MODIFIED', ep);
    for (;;) {
      const rules = await inNetns(netns, `iptables-${await ipt.backend()}`, ['-w', '-t', 'nat', '-S', svcChain]).catch(() => '');
      if (rules.includes(`-j ${sepChain}`)) break;
      if (performance.now() - t0 > 10_000) throw new Error(`change ${k} not live after 10 s`);
    }
    live.push(performance.now() - t0);
    await p.settled();
    if (p.lastResult) syncMs.push(p.lastResult.durationMs);
  }
  const restore = [...timed.restoreMs];
  await p.cleanup();
  return { live: summarize(live), sync: summarize(syncMs), restore: summarize(restore) };
}

export async function main(): Promise<void> {
  const netns = uniqueName('tkbp');
  const prefix = uniqueName('TKB').toUpperCase();
  await createNetns(netns);
  const figures: Figure[] = [];
  try {
    const ipt = new ExecIptables({ netns });
    const backend = await ipt.backend();
    console.log(`proxy bench in netns ${netns}, iptables backend ${backend}, chain prefix ${prefix}`);
    for (const n of SIZES) {
      const opts = { services: n, endpointsPerService: PER_SERVICE };
      const sync: number[] = [];
      const alone: number[] = [];
      for (let r = 0; r < REPS; r++) {
        alone.push(await restoreAlone(ipt, prefix, opts));
        sync.push(await proxySync(ipt, prefix, opts));
      }
      console.log(`  ${n} services: sync ${sync.map((v) => v.toFixed(1)).join(', ')} ms; restore alone ${alone.map((v) => v.toFixed(1)).join(', ')} ms`);
      figures.push(
        vsAnchor(
          { name: `sync_${n}_services`, unit: 'ms', value: median(sync), anchor: 'iptables-restore alone', anchor_value: median(alone), target: '<= 1000 ms' },
          (v) => v <= 1000,
        ),
      );
    }

    const change = await endpointChanges(netns, ipt, prefix, { services: 1000, endpointsPerService: PER_SERVICE });
    console.log(
      `  endpoint change (1000 services loaded, ${CHANGES} changes): live p50 ${change.live.p50.toFixed(1)} / p99 ${change.live.p99.toFixed(1)} ms;` +
        ` partial sync p50 ${change.sync.p50.toFixed(1)} ms; its iptables-restore p50 ${change.restore.p50.toFixed(1)} ms`,
    );
    const anchor = { anchor: 'iptables-restore of the same batches alone', anchor_value: change.restore.p50 };
    figures.push(absolute({ name: 'endpoint_change_live_p50', unit: 'ms', value: change.live.p50, target: '<= 200 ms' }, (v) => v <= 200, anchor));
    figures.push(
      absolute({ name: 'endpoint_change_live_p99', unit: 'ms', value: change.live.p99, target: '<= 200 ms' }, (v) => v <= 200, {
        anchor: anchor.anchor,
        anchor_value: change.restore.p99,
      }),
    );
  } finally {
    await removeNetns(netns);
  }
  report('proxy', figures);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
