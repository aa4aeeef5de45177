// bench ui: the dashboard in Debian's headless chromium against a real apiserver (own etcd) holding
// 1000 pods. Figures, each beside an anchor measured in the same run:
// - first meaningful paint: navigation → the overview showing live data (pods by status); anchor:
//   the browser's first contentful paint of the same load (the static page before any data);
// - 1000 pods rendered: navigation → the pods view holding all 1000 (rows in view in the DOM);
//   anchor: the same page fetching the same 1000 pods as JSON, no rendering;
// - a pod status change on screen after its watch event: the time from the status write to its row
//   showing the new status, less the time the same event took to reach a plain watch client (a
//   WebSocket in Node), which is the anchor.

import WebSocket from 'ws';
import { startTestApi } from '../testing/cluster.js';
import { launchBrowser } from '../testing/browser.js';
import { absolute, closedLoop, report, summarize, type Figure } from './common.js';

const TOKEN = 'bench-ui-token';
const NS = 'bench-ui';
const PODS = 1000;
const ROUNDS = 5;
const CHANGES = 10;

export async function main(): Promise<void> {
  const api = await startTestApi({ token: TOKEN });
  const tb = await launchBrowser().catch(async (e: unknown) => {
    await api.stop();
    throw e;
  });
  try {
    await api.req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await closedLoop(PODS, 8, async (i) => {
      const r = await api.req('POST', `/api/v1/namespaces/${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${String(i).padStart(4, '0')}` }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      if (r.status !== 201) throw new Error(r.text);
    });
    const page = await tb.newPage();
    await page.goto(`${api.url}/ui/`);
    const signed = await page.evaluate(async (token: string) => (await fetch('/ui/session', { method: 'POST', headers: { 'x-tskube-csrf': '1', 'content-type': 'application/json' }, body: JSON.stringify({ token }) })).status, TOKEN);
    if (signed !== 200) throw new Error(`sign-in: ${signed}`);

    const fmp: number[] = [];
    const fcp: number[] = [];
    const list: number[] = [];
    const fetchOnly: number[] = [];
    for (let i = 0; i < ROUNDS + 1; i++) {
      // A real navigation each time (a hash change alone would keep the document).
      await page.goto('about:blank');
      await page.goto(`${api.url}/ui/#/overview?ns=${NS}`);
      const t = await (await page.waitForFunction(() => (document.querySelector('[data-testid=phases] li') ? performance.now() : 0), { polling: 'mutation', timeout: 30_000 })).jsonValue();
      if (i === ROUNDS) console.log('timeline of the last overview load [name, start ms, duration ms]:', await page.evaluate(() => JSON.stringify(performance.getEntries().filter((e) => e.entryType === 'mark' || e.entryType === 'paint' || e.entryType === 'resource').map((e) => [e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.duration)]))));
      const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
      await page.goto('about:blank');
      await page.goto(`${api.url}/ui/#/pods?ns=${NS}`);
      const l = await (await page.waitForFunction(() => (document.querySelector('[data-testid=pods][data-count="1000"] .vrow') ? performance.now() : 0), { polling: 'mutation', timeout: 30_000 })).jsonValue();
      const f = await page.evaluate(async (ns: string) => {
        const t0 = performance.now();
        const r = await fetch(`/api/v1/namespaces/${ns}/pods`);
        const body = (await r.json()) as { items: unknown[] };
        return body.items.length === 1000 ? performance.now() - t0 : NaN;
      }, NS);
      if (i === 0) continue; // the first round warms the caches (the browser's and the watch cache's)
      fmp.push(t);
      fcp.push(paint);
      list.push(l);
      fetchOnly.push(f);
    }

    // Status changes, on the pods page already showing all 1000; rows p0000.. are in view.
    const watcher = new WebSocket(`${api.url.replace(/^http/, 'ws')}/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=0`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const seenByWatch = new Map<string, number>();
    watcher.on('message', (d: Buffer) => {
      const e = JSON.parse(d.toString()) as { object: { metadata: { name: string }; status?: { phase?: string } } };
      if (e.object.status?.phase === 'Failed' && !seenByWatch.has(e.object.metadata.name)) seenByWatch.set(e.object.metadata.name, Date.now());
    });
    await new Promise((r) => watcher.once('open', r));
    const ui: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const name = `p${String(i).padStart(4, '0')}`;
      const shown = page.waitForFunction(
        (n: string) => {
          const row = [...document.querySelectorAll('[data-testid=pods] .vrow')].find((r) => r.querySelector('a')?.textContent === n);
          return row?.querySelector('[data-status=Failed]') ? Date.now() : 0;
        },
        { polling: 'mutation', timeout: 10_000 },
        name,
      );
      const sent = Date.now();
      const r = await api.req('PATCH', `/api/v1/namespaces/${NS}/pods/${name}/status`, { status: { phase: 'Failed' } }, { 'content-type': 'application/merge-patch+json' });
      if (r.status !== 200) throw new Error(r.text);
      const at = await (await shown).jsonValue();
      ui.push(at - sent);
      for (let k = 0; k < 100 && !seenByWatch.has(name); k++) await new Promise((res) => setTimeout(res, 5));
      raw.push((seenByWatch.get(name) ?? NaN) - sent);
    }
    watcher.close();

    const s = (x: number[]) => summarize(x).p50;
    const figures: Figure[] = [
      absolute({ name: 'first_meaningful_paint_p50', unit: 'ms', value: s(fmp), target: '<= 300 ms' }, (v) => v <= 300, { anchor: 'first contentful paint (static page)', anchor_value: s(fcp) }),
      absolute({ name: 'pods_1000_rendered_p50', unit: 'ms', value: s(list), target: '<= 500 ms' }, (v) => v <= 500, { anchor: 'fetch of the same 1000 pods, no render', anchor_value: s(fetchOnly) }),
      // After the watch event: the page's time minus the plain client's, change by change.
      absolute({ name: 'status_change_visible_after_event_p50', unit: 'ms', value: s(ui.map((u, i) => u - raw[i])), target: '<= 200 ms' }, (v) => v <= 200, { anchor: 'plain watch client, write to event', anchor_value: s(raw) }),
      absolute({ name: 'status_change_visible_after_event_max', unit: 'ms', value: Math.max(...ui.map((u, i) => u - raw[i])), target: '<= 200 ms' }, (v) => v <= 200, { anchor: 'plain watch client, write to event', anchor_value: Math.max(...raw) }),
      absolute({ name: 'status_change_visible_after_write_p50', unit: 'ms', value: s(ui), target: '-' }, () => true, { anchor: 'plain watch client, write to event', anchor_value: s(raw) }),
    ];
    report('ui', figures);
  } finally {
    await tb.close();
    await api.stop();
  }
}
