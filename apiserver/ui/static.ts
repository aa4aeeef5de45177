// The dashboard's files, bundled at build time into <dist>/ui/ (index.html, app.js, app.css):
// read once at start and served from memory under /ui/, only by their exact names (no path is
// ever joined from the request), with their content type and a CSP that allows no inline or
// foreign script and no connection but to this server.

import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/**
 * Scripts only from here; styles also inline because xterm.js sizes its rows with <style> elements
 * it writes (never with user text); connections (fetch, the watch and exec WebSockets) only here.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-cache',
};

interface Asset {
  type: string;
  body: Buffer;
}

/** The built dashboard next to this module's build (dist/ui or dist-test/ui). */
export function defaultAssetDir(): string {
  return fileURLToPath(new URL('../../ui/', import.meta.url));
}

export class StaticAssets {
  private readonly files = new Map<string, Asset>();

  constructor(dir: string) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // Not built: /ui/ answers that it is missing.
    }
    for (const n of names) {
      const type = TYPES[extname(n)];
      if (type) this.files.set(n, { type, body: readFileSync(join(dir, n)) });
    }
  }

  get built(): boolean {
    return this.files.has('index.html');
  }

  /** Serves /ui/<name>; false when there is no such file. */
  serve(name: string, method: string, res: ServerResponse): boolean {
    const a = this.files.get(name === '' ? 'index.html' : name);
    if (!a) return false;
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': a.type, 'Content-Length': a.body.length });
    res.end(method === 'HEAD' ? undefined : a.body);
    return true;
  }
}
