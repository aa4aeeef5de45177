// Serving the OpenAPI documents (built in openapi-documents.ts) as kube-apiserver does:
// /openapi/v2 (JSON, or the gnostic protobuf kubectl asks for: openapi-v2-protobuf.ts), /openapi/v3 (an index of
// group/version documents, each URL carrying its content hash) and /openapi/v3/<gv>.
// kubectl 1.32 reads /openapi/v3 for `explain` and to learn that the server validates
// fields itself (the `fieldValidation` parameter on each kind's PATCH).

import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { groupVersions } from '../api/resources.js';
import { notFoundPath } from './errors.js';
import { queryString, type ApiRequest } from './http/request.js';
import { sendBody, sendError } from './http/respond.js';
import { DEFINITIONS } from '../api/openapi-definitions.js';
import { gvPath, openapiV2Document, openapiV3Document } from './openapi-documents.js';
import { openapiV2Protobuf } from './openapi-v2-protobuf.js';

// The Accept kubectl sends has 'v2@v1.0'; the response type spells it 'v2.v1.0' ('@' is not a MIME token character).
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const JSON_UTF8 = 'application/json; charset=utf-8';

interface Doc {
  body: string | Buffer;
  /** Upstream's ETag: the upper-case hex SHA-512 of the body. */
  hash: string;
}

const docOf = (body: string | Buffer): Doc => ({ body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });

/** Serves GET /openapi/v2, /openapi/v3 and /openapi/v3/<group-version>; false for any other request. */
export function openapiServer(): (req: ApiRequest, res: ServerResponse) => boolean {
  // Built at the first /openapi/ request and kept (~1.5 MiB of strings): a cluster no client asks
  // for a schema (no kubectl apply/explain yet) never holds them (issue 18).
  let built: { v2pb: Doc; v2json: Doc; docs: Map<string, Doc>; root: Doc } | undefined;
  const documents = () => {
    if (built) return built;
    const docs = new Map<string, Doc>();
    for (const gv of groupVersions()) docs.set(gvPath(gv.group, gv.version), docOf(JSON.stringify(openapiV3Document(gv.group, gv.version))));
    const root = docOf(JSON.stringify({ paths: Object.fromEntries([...docs].map(([p, d]) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` }])) }));
    built = { v2pb: docOf(openapiV2Protobuf(DEFINITIONS)), v2json: docOf(JSON.stringify(openapiV2Document())), docs, root };
    return built;
  };

  /** The body with its ETag; 304 when the client already has it. */
  const send = (req: ApiRequest, res: ServerResponse, type: string, d: Doc, headers: Record<string, string> = {}) => {
    const etag = `"${d.hash}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ...headers, ETag: etag });
      res.end();
      return;
    }
    sendBody(res, 200, type, req.method === 'HEAD' ? '' : d.body, { ...headers, ETag: etag });
  };

  return (req, res) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.path.startsWith('/openapi/')) return false;
    const path = req.path.replace(/(.)\/$/, '$1'); // one trailing slash is tolerated, as on every non-resource path
    const { v2pb, v2json, docs, root } = documents();
    if (path === '/openapi/v2') {
      if ((req.headers.accept ?? '').includes('protobuf')) send(req, res, OPENAPI_V2_PROTOBUF, v2pb);
      else send(req, res, JSON_UTF8, v2json);
      return true;
    }
    if (path === '/openapi/v3') {
      send(req, res, JSON_UTF8, root, { 'Cache-Control': 'no-cache, no-store, must-revalidate' });
      return true;
    }
    const m = /^\/openapi\/v3\/(.+)$/.exec(path);
    if (!m) return false;
    let gv: string;
    try {
      gv = decodeURIComponent(m[1]);
    } catch {
      gv = '';
    }
    const d = docs.get(gv);
    if (!d) {
      sendError(res, notFoundPath(req.path));
      return true;
    }
    const hash = queryString(req, 'hash');
    if (!hash) {
      send(req, res, JSON_UTF8, d, { 'Cache-Control': 'no-cache, private' });
    } else if (hash !== d.hash) {
      // An old hash: upstream redirects to the document's current URL.
      res.writeHead(301, { Location: `/openapi/v3/${gv}?hash=${d.hash}`, 'Cache-Control': 'no-cache, private' });
      res.end();
    } else {
      send(req, res, JSON_UTF8, d, { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + 365 * 86400_000).toUTCString() });
    }
    return true;
  };
}
