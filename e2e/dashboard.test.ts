// The dashboard in a real browser (Debian's chromium, headless, through puppeteer-core) against one
// isolated `hyperkube up`: a wrong token is refused in words; the admin signs in; a new pod goes
// Pending → Running on screen without a reload; its hostile annotation renders as text; an RC
// scaled to 3 shows 3 pods; a followed log grows; a terminal runs `echo $((6*7))`; YAML is created
// and a refused one shows the server's cause beside its line; a pod is deleted; a user bound to
// `view` sees no write buttons and is told why when it writes anyway. Each test keeps a screenshot.

import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { kubeconfigCredentials, launchBrowser, type TestBrowser } from '../testing/browser.js';

const HYPERKUBE = fileURLToPath(new URL('../cmd/hyperkube.js', import.meta.url));
const SHOTS = mkdtempSync(join(tmpdir(), 'tskube-dashboard-shots-'));
const XSS = '<img src=x onerror="window.__xss=1">';

let cl: IsolatedCluster;
let tb: TestBrowser;
let page: Page;
let base = '';
let adminToken = '';
let janeToken = '';

const kubectl = (args: string[], input?: string): Promise<string> => cl.up.kubectlOk(args, input);

async function shot(t: TestContext, p: Page = page): Promise<void> {
  const file = join(SHOTS, `${t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
  await p.screenshot({ path: file });
  t.diagnostic(`screenshot: ${file}`);
}

const text = (p: Page, sel: string) => p.$eval(sel, (e) => e.textContent ?? '');
/** Waits until the page's text under `sel` matches. */
async function waitText(p: Page, sel: string, re: RegExp, timeout = 20_000): Promise<string> {
  try {
    await p.waitForFunction((s: string, src: string) => new RegExp(src).test(document.querySelector(s)?.textContent ?? ''), { timeout, polling: 50 }, sel, re.source);
  } catch (err) {
    const now = await p.$eval(sel, (e) => e.textContent ?? '').catch(() => '(no such element)');
    await p.screenshot({ path: join(SHOTS, 'failed.png') });
    throw new Error(`${sel} never matched ${re}; it shows ${JSON.stringify(now.slice(0, 500))} (${(err as Error).message})`);
  }
  return text(p, sel);
}
async function signIn(p: Page, token: string): Promise<void> {
  await p.goto(`${base}/ui/`);
  await p.waitForSelector('[data-testid=token]');
  await p.type('[data-testid=token]', token);
  await p.click('[data-testid=signin]');
}

before(async () => {
  cl = await startIsolated('dash');
  ({ token: adminToken } = kubeconfigCredentials(cl.up.kubeconfig));
  base = new URL(kubeconfigCredentials(cl.up.kubeconfig).server).origin;
  const made = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [HYPERKUBE, 'kubeconfig', '--user', 'jane', '--data-dir', cl.up.dataDir], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
  );
  const janeKc = join(cl.up.dataDir, 'jane.kubeconfig');
  await writeFile(janeKc, made, { mode: 0o600 });
  janeToken = kubeconfigCredentials(janeKc).token;
  await kubectl(['create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane', '-n', 'default']);
  tb = await launchBrowser();
  page = await tb.newPage();
  console.log(`dashboard screenshots in ${SHOTS}`);
});

after(async () => {
  await tb?.close();
  await cl?.teardown();
});

test('a wrong token gets a clear sign-in error; the right one signs in, the token in no URL', async (t) => {
  await signIn(page, 'not-a-token');
  assert.match(await waitText(page, '[data-testid=signin-error]', /Sign-in failed/), /token was not accepted/);
  await page.$eval('[data-testid=token]', (e) => ((e as HTMLInputElement).value = ''));
  await page.type('[data-testid=token]', adminToken);
  await page.click('[data-testid=signin]');
  assert.equal(await waitText(page, '[data-testid=user]', /admin/), 'admin');
  const cookies = await page.cookies();
  const c = cookies.find((x) => x.name === 'tskube-session');
  assert.ok(c && c.httpOnly && c.secure && c.sameSite === 'Strict', JSON.stringify(c));
  assert.ok(!tb.requests.some((u) => u.includes(adminToken)), 'no URL carries the token');
  await shot(t);
});

test('a new pod goes Pending → Running on screen without a reload; its hostile annotation is text', async (t) => {
  await page.goto(`${base}/ui/#/pods?ns=default`);
  await page.waitForSelector('[data-testid=pods]');
  await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = 1));
  // Seen as Pending first: the pod's image is a busybox the kubelet has, its start takes a moment.
  const seen: string[] = [];
  await page.exposeFunction('__status', (s: string) => void seen.push(s));
  await page.evaluate(() => {
    new MutationObserver(() => {
      const el = [...document.querySelectorAll('.vrow')].find((r) => r.textContent?.includes('web'));
      const s = el?.querySelector('[data-status]')?.getAttribute('data-status');
      if (s) void (window as unknown as { __status(s: string): void }).__status(s);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', annotations: { note: XSS } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.5; done'] }] },
  };
  await kubectl(['apply', '-f', '-'], JSON.stringify(pod));
  await page.waitForFunction(() => [...document.querySelectorAll('.vrow')].some((r) => r.textContent?.includes('web') && r.querySelector('[data-status=Running]')), { timeout: 30_000, polling: 50 });
  assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument), 1, 'no reload');
  assert.ok(seen.some((s) => s !== 'Running'), `a state before Running was shown: ${seen.join(',')}`);
  await shot(t);
  await page.goto(`${base}/ui/#/pod/default/web`);
  const ann = await waitText(page, '[data-testid=annotations]', /note/);
  assert.ok(ann.includes(XSS), ann);
  assert.equal(await page.$$eval('main img', (x) => x.length), 0, 'no img element made from the annotation');
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
});

test('scaling an RC to 3 shows 3 pods', async (t) => {
  await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc1' }, spec: { replicas: 1, selector: { app: 'rc1' }, template: { metadata: { labels: { app: 'rc1' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] } } } }));
  await page.goto(`${base}/ui/#/workloads?ns=default`);
  const input = '[data-kind=replicationcontrollers] tr[data-name=rc1] [data-testid=replicas]';
  await page.waitForSelector(input);
  await page.click(input, { count: 3 });
  await page.type(input, '3');
  await page.click('[data-kind=replicationcontrollers] tr[data-name=rc1] [data-action=scale]');
  await waitText(page, '[data-kind=replicationcontrollers] tr[data-name=rc1] [data-testid=ready]', /^\d+\/3$/);
  await page.goto(`${base}/ui/#/pods?ns=default`);
  await page.waitForSelector('.filter');
  await page.type('.filter', 'rc1-');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=pods] .vrow').length === 3, { timeout: 20_000, polling: 50 });
  await shot(t);
});

test("a followed pod's log shows a new line as it is written", async (t) => {
  await page.goto(`${base}/ui/#/pod/default/web/logs`);
  const first = await waitText(page, '[data-testid=log]', /line-\d+/);
  const last = Math.max(...[...first.matchAll(/line-(\d+)/g)].map((m) => Number(m[1])));
  await page.waitForFunction((n: number) => (document.querySelector('[data-testid=log]')?.textContent ?? '').includes(`line-${n + 2}`), { timeout: 15_000, polling: 50 }, last);
  await page.type('[data-testid=log-search]', `line-${last}`);
  assert.match(await text(page, '[data-testid=log]'), new RegExp(`^line-${last}\\d*(\\nline-${last}\\d*)*$`));
  await shot(t);
});

test('a terminal into the container runs echo $((6*7)) and shows 42', async (t) => {
  await page.goto(`${base}/ui/#/pod/default/web/terminal`);
  await waitText(page, '[data-testid=term-state]', /connected/);
  await page.click('[data-testid=terminal]');
  await page.keyboard.type('echo $((6*7))\n');
  await page.waitForFunction(() => [...document.querySelectorAll('.xterm-rows > div')].some((d) => d.textContent?.trim() === '42'), { timeout: 15_000, polling: 50 });
  await shot(t);
});

test('YAML: created from a paste; a refused one shows the Status cause beside its line', async (t) => {
  await page.goto(`${base}/ui/#/create?ns=default`);
  await page.waitForSelector('[data-testid=yaml]');
  await page.type('[data-testid=yaml]', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash-cm\ndata:\n  greeting: hello\n');
  await page.click('[data-action=create]');
  assert.match(await waitText(page, '[data-testid=created]', /created/), /configmap\/dash-cm created/);
  assert.match(await kubectl(['get', 'configmap', 'dash-cm', '-o', 'jsonpath={.data.greeting}']), /^hello$/);
  await page.$eval('[data-testid=yaml]', (e) => ((e as HTMLTextAreaElement).value = ''));
  await page.type('[data-testid=yaml]', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n    image: ""\n');
  await page.click('[data-action=create]');
  assert.match(await waitText(page, '[data-testid=yaml-error]', /invalid/), /Pod "bad" is invalid/);
  const problem = await waitText(page, '[data-testid=yaml-problems]', /image/);
  assert.match(problem, /line 8: spec\.containers\[0\]\.image: Required value/);
  await shot(t);
});

test('deleting a pod from its row removes it from the list', async (t) => {
  await page.goto(`${base}/ui/#/pods?ns=default`);
  await page.waitForSelector('.filter');
  await page.type('.filter', 'web');
  await page.waitForSelector('[data-testid=pods] .vrow [data-action=delete]');
  await page.click('[data-testid=pods] .vrow [data-action=delete]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=pods] .vrow').length === 0, { timeout: 30_000, polling: 50 });
  await shot(t);
});

test('a view-only user sees no write buttons, and a forced write says why', async (t) => {
  const ctx = await tb.browser.createBrowserContext();
  try {
    const p = await ctx.newPage();
    p.on('request', (r) => void tb.requests.push(r.url()));
    await signIn(p, janeToken);
    await waitText(p, '[data-testid=user]', /jane/);
    await p.goto(`${base}/ui/#/pods?ns=default`);
    await p.waitForFunction(() => [...document.querySelectorAll('[data-testid=pods] .vrow')].filter((r) => r.textContent?.includes('rc1-')).length === 3, { timeout: 20_000, polling: 50 });
    await p.goto(`${base}/ui/#/workloads?ns=default`);
    await p.waitForSelector('[data-kind=replicationcontrollers] tr[data-name=rc1]');
    // Permissions are asked once per view: give the answers a moment to come back.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await p.$$eval('[data-action]', (x) => x.length), 0, 'no write buttons for view');
    await p.goto(`${base}/ui/#/create?ns=default`);
    await p.waitForSelector('[data-testid=yaml]');
    await p.type('[data-testid=yaml]', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: jane-cm\n');
    await p.click('[data-action=create]');
    assert.match(await waitText(p, '[data-testid=yaml-error]', /Not allowed/), /configmaps is forbidden: User "jane" cannot create resource "configmaps" in API group "" in the namespace "default"/);
    await shot(t, p);
  } finally {
    await ctx.close();
  }
  const origin = new URL(base).origin;
  const foreign = tb.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'the browser contacted only the apiserver');
});
