// Port-forward over SPDY/3.1 (portforward.k8s.io), as kubectl speaks it — either on a
// plain `Upgrade: SPDY/3.1` connection or tunnelled in WebSocket binary messages
// (`SPDY/3.1+portforward.k8s.io`). Per forwarded connection the client opens two streams
// with the same `requestID` header: `streamType: error` (which it half-closes at once and
// reads to EOF) and `streamType: data`, both with a `port` header. Once both have
// arrived the data stream is joined to a new connection to that port inside the pod;
// a failure is written as text on the error stream. The client waits for the error
// stream's FIN after the data stream ends, so it is always finished.

import type { Duplex } from 'node:stream';
import { RstStatus } from './spdy/frames.js';
import { headerValue } from './spdy/headers.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';
/** How long the second stream of a pair may lag the first (the kubelet's default). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

export interface PortForwardTarget {
  /** For messages: namespace/name of the pod. */
  pod: string;
  uid: string;
  /** A connection to 127.0.0.1:<port> in the pod's network namespace. */
  dial(port: number): Promise<Duplex>;
}

interface Pair {
  id: string;
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

function fail(p: Pair, msg: string): void {
  if (p.error && !p.error.destroyed && !p.error.writableEnded) p.error.end(msg);
  if (p.data && !p.data.destroyed) p.data.reset(RstStatus.Cancel);
}

/** Pair of streams → one connection into the pod, until either side is done. */
async function forward(t: PortForwardTarget, p: Pair): Promise<void> {
  const data = p.data!;
  const error = p.error!;
  const port = Number(headerValue(data.headers, 'port'));
  const finishError = () => {
    if (!error.destroyed && !error.writableEnded) error.end();
  };
  let conn: Duplex;
  try {
    conn = await t.dial(port);
  } catch (e) {
    return fail(p, `error forwarding port ${port} to pod ${t.pod}, uid ${t.uid}: ${(e as Error).message}`);
  }
  if (data.destroyed) {
    conn.destroy();
    return finishError();
  }
  let failed = false;
  conn.on('error', (e) => {
    // A write after the pod closed its end is not a failure of the forward: the close below
    // finishes the pair. Anything else (the connection never opened) goes to the client.
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EPIPE' || code === 'ECONNRESET' || code.startsWith('ERR_STREAM')) return;
    failed = true;
    fail(p, `error forwarding port ${port} to pod ${t.pod}, uid ${t.uid}: ${e.message}`);
  });
  // Client → pod; the client's FIN half-closes the pod connection.
  data.pipe(conn);
  // Pod → client; the pod closing sends FIN on the data stream.
  conn.pipe(data);
  // The error stream ends only once the pod connection is gone, so that an error found
  // late (the shim reports a refused connection by its exit) still reaches the client.
  conn.once('close', () => {
    if (failed) return;
    if (!data.destroyed && !data.writableEnded) data.end();
    finishError();
  });
  // The client reset the data stream (its local connection ended) or the session went away.
  data.once('close', () => conn.destroy());
}

/** Serve port-forward streams over a SPDY session on `transport` until it closes. */
export function servePortForwardSpdy(transport: Duplex, t: PortForwardTarget): SpdySession {
  const session = new SpdySession(transport, 'server');
  const pairs = new Map<string, Pair>();
  session.on('stream', (s) => {
    const portText = headerValue(s.headers, 'port') ?? '';
    const port = Number(portText);
    const type = headerValue(s.headers, 'streamtype');
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535 || (type !== 'error' && type !== 'data')) {
      s.reset(RstStatus.RefusedStream);
      return;
    }
    s.reply();
    // Clients older than request ids send error then data as consecutive streams.
    const id = headerValue(s.headers, 'requestid') ?? String(type === 'error' ? s.id : s.id - 2);
    let p = pairs.get(id);
    if (!p) {
      const pair: Pair = {
        id,
        timer: setTimeout(() => {
          pairs.delete(id);
          fail(pair, `timed out waiting for streams of request ${id}`);
        }, STREAM_CREATION_TIMEOUT_MS),
      };
      pair.timer.unref();
      pairs.set(id, pair);
      p = pair;
    }
    if (type === 'error') {
      s.resume(); // the client only half-closes it; drain so the stream can finish
      if (p.error) return void s.end(`error stream already assigned for request ${id}`);
      p.error = s;
    } else {
      if (p.data) return void s.reset(RstStatus.ProtocolError);
      p.data = s;
    }
    if (p.error && p.data) {
      clearTimeout(p.timer);
      pairs.delete(id);
      void forward(t, p);
    }
  });
  session.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });
  session.on('error', () => {});
  return session;
}
