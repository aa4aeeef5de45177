// The port-forward stream protocol as kubectl drives it (an error stream and a data stream
// per connection, paired by requestID), against servePortForwardSpdy dialing real loopback
// TCP servers in place of a pod. kubectl itself runs against it in e2e/port-forward.test.ts.

import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { servePortForwardSpdy, type PortForwardTarget } from './portforward-spdy.js';
import type { HeaderMap } from './spdy/headers.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

async function listen(onConn: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer(onConn);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  cleanup.push(() => srv.close());
  return (srv.address() as net.AddressInfo).port;
}

const target: PortForwardTarget = {
  pod: 'ns/p',
  uid: 'u-1',
  dial: (port) =>
    new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    }),
};

/** A client session to a port-forward server, over a real loopback connection. */
async function connect(t = target): Promise<SpdySession> {
  const port = await listen((sock) => servePortForwardSpdy(sock, t));
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  cleanup.push(() => sock.destroy());
  return new SpdySession(sock, 'client');
}

function readAll(s: SpdyStream): Promise<string> {
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => {
    s.once('end', () => resolve(out));
    s.once('close', () => resolve(out));
  });
}

/** What kubectl does per local connection. */
async function forwardOne(client: SpdySession, port: number, requestID: string): Promise<{ data: SpdyStream; errorText: Promise<string> }> {
  const h = { streamtype: ['error'], port: [String(port)], requestid: [requestID] };
  const error = client.open(h);
  await error.whenReplied();
  error.end(); // kubectl never writes on it
  const errorText = readAll(error);
  const data = client.open({ ...h, streamtype: ['data'] });
  await data.whenReplied();
  return { data, errorText };
}

test('each pair of streams is one connection to the port; FINs travel both ways', async () => {
  const echoPort = await listen((s) => {
    s.on('data', (d: Buffer) => s.write(`echo:${d.toString()}`));
    s.on('end', () => s.end());
  });
  const client = await connect();
  for (let i = 0; i < 3; i++) {
    const { data, errorText } = await forwardOne(client, echoPort, String(i));
    const got = readAll(data);
    data.write(`ping${i}`);
    await once(data, 'data');
    data.end();
    assert.equal(await got, `echo:ping${i}`);
    assert.equal(await errorText, '', 'error stream ends empty');
  }
});

test('concurrent connections stay apart, and a reset data stream closes its pod connection', async () => {
  const podSide: net.Socket[] = [];
  const port = await listen((s) => {
    podSide.push(s);
    s.on('data', (d) => s.write(d));
  });
  const client = await connect();
  const pairs = await Promise.all(['a', 'b', 'c'].map((id) => forwardOne(client, port, id)));
  const replies = pairs.map(({ data }, i) => {
    data.write(`conn-${i}`);
    return once(data, 'data').then(([d]) => String(d));
  });
  assert.deepEqual(await Promise.all(replies), ['conn-0', 'conn-1', 'conn-2']);
  const closed = once(podSide[1], 'close');
  pairs[1].data.reset(); // kubectl resets the data stream when its local connection is done
  await closed;
  assert.equal(await pairs[1].errorText, '', 'its error stream still finishes');
  pairs[0].data.write('still-open');
  assert.equal(String((await once(pairs[0].data, 'data'))[0]), 'still-open');
});

test('the pod closing first: data FIN, then an empty error stream', async () => {
  const port = await listen((s) => s.end('bye'));
  const client = await connect();
  const { data, errorText } = await forwardOne(client, port, '0');
  assert.equal(await readAll(data), 'bye');
  assert.equal(await errorText, '');
});

test('a refused connection is reported on the error stream', async () => {
  const closedPort = await listen(() => undefined);
  cleanup.splice(0).forEach((f) => f()); // close it again: nothing listens there now
  const client = await connect();
  const { data, errorText } = await forwardOne(client, closedPort, '7');
  const dataClosed = once(data, 'close');
  assert.match(await errorText, new RegExp(`^error forwarding port ${closedPort} to pod ns/p, uid u-1: .*ECONNREFUSED`));
  await dataClosed;
  assert.equal(data.resetStatus, 5, 'the data stream is reset (CANCEL)');
});

test('streams without a valid port or stream type are refused', async () => {
  const client = await connect();
  const bad: HeaderMap[] = [{ streamtype: ['data'] }, { streamtype: ['data'], port: ['0'] }, { streamtype: ['bogus'], port: ['80'] }, { port: ['80'] }];
  for (const h of bad) {
    await assert.rejects(client.open({ ...h, requestid: ['1'] }).whenReplied(), /reset/);
  }
});
