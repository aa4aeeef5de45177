// The paths that are not resources: health, version, metrics, discovery and the
// OpenAPI documents. GET (and HEAD, which node answers without the body) only; one
// trailing slash is tolerated, as the routes always have been.

import type { ServerResponse } from 'node:http';
import { notFoundPath } from '../errors.js';
import { aggregatedContentType, aggregatedDiscovery, aggregatedDiscoveryWanted, apiGroup, apiGroupList, apiVersions, resourceList, VERSION_INFO } from '../discovery.js';
import type { ApiMetrics } from '../metrics.js';
import { openapiServer } from '../openapi.js';
import type { ApiRequest } from './request.js';
import { sendBody, sendError } from './respond.js';

export interface NonResourceDeps {
  metrics: ApiMetrics;
  /** Throws when etcd cannot be reached. */
  checkStorage(): Promise<unknown>;
  /** Bootstrap has finished. */
  ready(): boolean;
  /** host:port, for /api's serverAddressByClientCIDRs. */
  serverAddress(): string;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_UTF8 = 'application/json; charset=utf-8';
const sendText = (res: ServerResponse, code: number, text: string) => sendBody(res, code, TEXT, text);
const sendDoc = (res: ServerResponse, doc: unknown) => sendBody(res, 200, JSON_UTF8, JSON.stringify(doc));

/** Serves a non-resource request, or returns false when the path is none of them. */
export function nonResourceServer(deps: NonResourceDeps): (req: ApiRequest, res: ServerResponse) => Promise<boolean> {
  const openapi = openapiServer();
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = req.path.length > 1 ? req.path.replace(/\/$/, '') : req.path;
    switch (path) {
      case '/healthz':
      case '/livez':
        sendText(res, 200, 'ok');
        return true;
      case '/readyz':
        try {
          await deps.checkStorage();
          sendText(res, deps.ready() ? 200 : 503, deps.ready() ? 'ok' : 'bootstrap not finished');
        } catch (err) {
          sendText(res, 503, `etcd: ${(err as Error).message}`);
        }
        return true;
      case '/version':
        sendDoc(res, VERSION_INFO);
        return true;
      case '/metrics':
        sendBody(res, 200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
        return true;
      case '/api':
      case '/apis': {
        // The same path answers two documents, chosen by Accept: caches must keep them apart.
        const aggregated = aggregatedDiscoveryWanted(req.headers.accept);
        if (aggregated) sendBody(res, 200, aggregatedContentType(aggregated), JSON.stringify(aggregatedDiscovery(path === '/api' ? 'core' : 'groups', aggregated)), { Vary: 'Accept' });
        else sendBody(res, 200, JSON_UTF8, JSON.stringify(path === '/api' ? apiVersions(deps.serverAddress()) : apiGroupList()), { Vary: 'Accept' });
        return true;
      }
      case '/api/v1':
        sendDoc(res, resourceList('', 'v1'));
        return true;
    }
    const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (m) {
      const group = decodeSegment(m[1]);
      const version = m[2] === undefined ? '' : decodeSegment(m[2]);
      const doc = group === undefined || version === undefined ? undefined : version === '' ? apiGroup(group) : resourceList(group, version);
      if (doc) sendDoc(res, doc);
      else sendError(res, notFoundPath(req.path));
      return true;
    }
    return openapi(req, res);
  };
}

/** A path segment percent-decoded, undefined when it does not decode (then nothing matches it). */
function decodeSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
