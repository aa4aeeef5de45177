// A real etcd plus a real apiserver on free loopback ports, for integration tests.

import { startEtcd, type EtcdHandle } from './etcd.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../apiserver/server.js';

export interface TestApi {
  etcd: EtcdHandle;
  api: ApiServer;
  url: string;
  /** fetch against the apiserver with JSON in and out. */
  req(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown; text: string; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startTestApi(opts: Partial<ApiServerOptions> = {}): Promise<TestApi> {
  const etcd = await startEtcd();
  let api: ApiServer;
  try {
    api = await startApiServer({ etcdEndpoints: [etcd.endpoint], port: 0, ...opts });
  } catch (err) {
    await etcd.stop();
    throw err;
  }
  const req: TestApi['req'] = async (method, path, body, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (opts.token) h.authorization = `Bearer ${opts.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(api.url + path, { method, body: payload, headers: h });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  return {
    etcd,
    api,
    url: api.url,
    req,
    async stop() {
      await api.stop().catch(() => undefined);
      await etcd.stop();
    },
  };
}
