// Debian's chromium, headless, for the dashboard's tests and bench: its own temp profile, every
// background service that phones home switched off, host names resolving to nothing, and every
// request the page makes recorded so a test can assert it went only to the loopback apiserver.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import yaml from 'js-yaml';
import { readFileSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** Every URL any page of this browser requested. */
  requests: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'tskube-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    // The apiserver's certificate is the cluster's own CA's (loopback only).
    acceptInsecureCerts: true,
    args: [
      '--no-sandbox', // root in CI
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
      '--disable-domain-reliability',
      '--disable-client-side-phishing-detection',
      '--disable-breakpad',
      '--no-first-run',
      '--no-default-browser-check',
      '--no-pings',
      '--metrics-recording-only',
      '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater',
      // No name resolves: only literal loopback addresses can be reached.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
      '--window-size=1280,900',
    ],
    defaultViewport: { width: 1280, height: 900 },
  });
  const requests: string[] = [];
  const watch = (p: Page) => p.on('request', (r) => void requests.push(r.url()));
  return {
    browser,
    requests,
    async newPage() {
      const p = await browser.newPage();
      watch(p);
      p.on('dialog', (d) => void d.accept());
      return p;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The server URL and bearer token of a kubeconfig's current user. */
export function kubeconfigCredentials(path: string): { server: string; token: string } {
  const kc = yaml.load(readFileSync(path, 'utf8')) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
  return { server: kc.clusters[0].cluster.server, token: kc.users[0].user.token };
}
