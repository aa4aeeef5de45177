// The dashboard's watches, many over one WebSocket (/ui/watch): the page sends
//   {"type":"watch","id":"<its key>","path":"/api/v1/namespaces/x/pods?labelSelector=..."}
//   {"type":"cancel","id":"<key>"}
// and gets each event as {"id":"<key>","event":<the watch event, as a plain watch sends it>},
// a refusal or failure as {"id":"<key>","error":<Status>}, and {"id":"<key>","closed":true} when a
// watch ends (timeout): the page subscribes again. Messages that come together (a thousand initial
// events) go out as one JSON array per turn of the event loop, not one frame each. Each watch is authorized as if its user had
// sent that watch request, and runs through the same handler as /api watches.

import type { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { badRequest, notFoundPath, toApiError } from '../errors.js';
import { parseResourcePath, resourceRouteOf, type ApiRequest } from '../http/request.js';
import type { ResourceHandler } from '../http/handler.js';
import type { WatchTransport } from '../http/watch.js';
import { requestAttributes } from '../auth/attributes.js';
import { requestForbidden, type Authorizer } from '../auth/authorizer.js';
import type { UserInfo } from '../auth/user.js';

/** Watches one socket may hold at once. */
export const MAX_WATCHES_PER_SOCKET = 64;
const MAX_MESSAGE = 4096;
/** A page that reads slower than its watches write is cut off here, not buffered without end. */
const MAX_BUFFERED = 64 * 1024 * 1024;

export interface MuxDeps {
  handler: ResourceHandler;
  /** Undefined: authorization is off (every request allowed). */
  authorizer?: Authorizer;
}

export function serveWatchMux(d: MuxDeps, raw: IncomingMessage, ws: WebSocket, user: UserInfo | undefined): void {
  const watches = new Map<string, () => void>();
  let batch: string[] = [];
  const flush = () => {
    const out = batch;
    batch = [];
    if (ws.readyState !== ws.OPEN || !out.length) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.close(1013, 'the page reads its watches too slowly');
      return;
    }
    ws.send(`[${out.join(',')}]`);
  };
  const send = (s: string) => {
    if (batch.length === 0) setImmediate(flush);
    batch.push(s);
  };
  const fail = (id: string, err: unknown) => send(JSON.stringify({ id, error: toApiError(err).toStatus() }));

  const start = (id: string, url: string) => {
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const query = { ...(qi < 0 ? {} : parseQuery(url.slice(qi + 1))), watch: 'true' };
    const req: ApiRequest = { raw, method: 'GET', path, url, query, headers: raw.headers, user };
    const route = resourceRouteOf(path);
    if (!route) throw notFoundPath(path);
    const p = parseResourcePath(route.group, route.version, route.segs, path);
    if (p.name !== undefined || p.subresource !== undefined) throw badRequest('only collections can be watched');
    if (d.authorizer && user) {
      const a = requestAttributes(req, user);
      const r = d.authorizer.authorize(a);
      if (r.decision !== 'allow') throw requestForbidden(a, r.reason);
    }
    const reg = d.handler.registryFor(p);
    const prepared = d.handler.prepareWatch(req, p);
    const closers: (() => void)[] = [];
    const prefix = `{"id":${JSON.stringify(id)},"event":`;
    let open = true;
    const transport: WatchTransport = {
      send: (line) => {
        if (open) send(prefix + line.trimEnd() + '}');
      },
      close: () => {
        if (!open) return;
        send(JSON.stringify({ id, closed: true }));
        stop();
      },
      onClose: (cb) => closers.push(cb),
    };
    const stop = () => {
      if (!open) return;
      open = false;
      watches.delete(id);
      for (const c of closers) c();
    };
    watches.set(id, stop);
    d.handler.watch(prepared, reg, p, transport).catch((err: unknown) => {
      fail(id, err);
      stop();
    });
  };

  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '' : (data as Buffer).toString('utf8');
    let m: { type?: unknown; id?: unknown; path?: unknown };
    try {
      if (text.length > MAX_MESSAGE) throw new Error('too long');
      m = JSON.parse(text) as typeof m;
      if (typeof m !== 'object' || m === null || typeof m.id !== 'string' || m.id.length > 256) throw new Error('no id');
    } catch {
      ws.close(1003, 'messages are JSON {type, id[, path]}');
      return;
    }
    const id = m.id;
    if (m.type === 'cancel') {
      watches.get(id)?.();
      return;
    }
    try {
      if (m.type !== 'watch' || typeof m.path !== 'string') throw badRequest('a message is {"type":"watch","id","path"} or {"type":"cancel","id"}');
      if (watches.has(id)) throw badRequest(`watch ${JSON.stringify(id)} is already open`);
      if (watches.size >= MAX_WATCHES_PER_SOCKET) throw badRequest(`at most ${MAX_WATCHES_PER_SOCKET} watches per connection`);
      start(id, m.path);
    } catch (err) {
      fail(id, err);
    }
  });
  ws.on('close', () => {
    for (const stop of [...watches.values()]) stop();
  });
}
