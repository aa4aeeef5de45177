// The soak's HTTP side: requests to the apiserver with the admin token over one
// keep-alive agent, sorted into answered (any status, 5xx counted) and not answered
// (connection refused or reset, timeout: the apiserver or etcd was down), and a watch
// stream of newline-delimited JSON events.

import https from 'node:https';

export interface Answer {
  status: number;
  body: unknown;
}

/** The request got no HTTP answer (refused, reset, timed out): its effect is unknown. */
export class NoAnswer extends Error {}

export interface SoakHttpOptions {
  server: string;
  token: string;
  ca: Buffer;
}

export class SoakHttp {
  readonly agent: https.Agent;
  /** Answers by status code. */
  readonly statuses = new Map<number, number>();
  noAnswer = 0;
  /** When each 5xx came, with its status and text, for the report. */
  readonly serverErrors: { at: number; status: number; what: string }[] = [];

  constructor(private readonly o: SoakHttpOptions) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: o.ca });
  }

  request(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Answer> {
    const url = new URL(path, this.o.server);
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method,
        agent: this.agent,
        headers: { authorization: `Bearer ${this.o.token}`, accept: 'application/json', ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) },
        timeout: timeoutMs,
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        this.noAnswer++;
        reject(new NoAnswer(`${method} ${path}: ${err.message}`));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          this.noAnswer++;
          reject(new NoAnswer(`${method} ${path}: ${err.message}`));
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON (e.g. a plain-text 503)
          }
          if (status >= 500) this.serverErrors.push({ at: Date.now(), status, what: `${method} ${url.pathname}: ${text.slice(0, 200)}` });
          resolve({ status, body: parsed });
        });
      });
      req.end(data);
    });
  }

  /**
   * A watch: events go to onEvent; resolves when the stream ends (any reason), with the
   * HTTP status when it was refused outright (e.g. 410 Gone).
   */
  watch(path: string, onEvent: (ev: { type: string; object: Record<string, unknown> }) => void, signal: AbortSignal): Promise<{ status?: number; error?: string }> {
    const url = new URL(path, this.o.server);
    return new Promise((resolve) => {
      const req = https.request(url, { method: 'GET', agent: this.agent, headers: { authorization: `Bearer ${this.o.token}`, accept: 'application/json' } });
      const abort = () => req.destroy(new Error('aborted'));
      signal.addEventListener('abort', abort, { once: true });
      const done = (r: { status?: number; error?: string }) => {
        signal.removeEventListener('abort', abort);
        resolve(r);
      };
      req.on('error', (err) => done({ error: err.message }));
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          const status = res.statusCode ?? 0;
          this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
          if (status >= 500) this.serverErrors.push({ at: Date.now(), status, what: `WATCH ${url.pathname}` });
          res.resume();
          res.on('end', () => done({ status }));
          res.on('error', () => done({ status }));
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (line) onEvent(JSON.parse(line) as { type: string; object: Record<string, unknown> });
          }
        });
        res.on('end', () => done({}));
        res.on('error', (err) => done({ error: err.message }));
        res.on('close', () => done({}));
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
