import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { encodeFrame, FrameReader, RstStatus, type Frame } from './frames.js';
import { HeaderCompressor } from './headers.js';
import { SpdySession, type SpdyStream } from './session.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** A real TCP connection on loopback: [client side, server side]. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const c = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  const [s] = (await once(srv, 'connection')) as [net.Socket];
  await once(c, 'connect');
  srv.close();
  cleanup.push(() => {
    c.destroy();
    s.destroy();
  });
  return [c, s];
}

async function sessions(): Promise<{ client: SpdySession; server: SpdySession }> {
  const [c, s] = await socketPair();
  return { client: new SpdySession(c, 'client'), server: new SpdySession(s, 'server') };
}

function readAll(s: SpdyStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  return new Promise((resolve) => s.once('end', () => resolve(Buffer.concat(parts))));
}

test('streams open, reply, carry data both ways, half-close, and go away when both sides finish', async () => {
  const { client, server } = await sessions();
  server.on('stream', (s) => {
    assert.equal(s.id % 2, 1, 'client streams are odd');
    s.reply({ answer: ['yes'] });
    s.on('data', (d: Buffer) => s.write(Buffer.from(d.toString().toUpperCase())));
    s.on('end', () => s.end('!'));
  });
  for (let i = 0; i < 20; i++) {
    const st = client.open({ streamtype: ['data'], requestid: [String(i)] });
    assert.deepEqual({ ...(await st.whenReplied()) }, { answer: ['yes'] });
    const got = readAll(st);
    const closed = once(st, 'close');
    st.end(`hello ${i}`);
    assert.equal((await got).toString(), `HELLO ${i}!`);
    await closed;
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(client.size, 0);
  assert.equal(server.size, 0);
});

test('server sees the headers the client sent, through one compression context per direction', async () => {
  const { client, server } = await sessions();
  const seen: string[] = [];
  server.on('stream', (s) => {
    seen.push(`${s.headers.port[0]}/${s.headers.requestid[0]}`);
    s.reply();
    s.resume();
    s.end();
  });
  await Promise.all(Array.from({ length: 50 }, (_, i) => client.open({ port: [String(1000 + i)], requestid: [String(i)] }).whenReplied()));
  assert.equal(seen.length, 50);
  assert.deepEqual(new Set(seen), new Set(Array.from({ length: 50 }, (_, i) => `${1000 + i}/${i}`)));
});

test('megabytes each way arrive intact, with a slow reader pausing the transport', async () => {
  const [c, sock] = await socketPair();
  const client = new SpdySession(c, 'client');
  const server = new SpdySession(sock, 'server');
  let sawPaused = false;
  const up = randomBytes(3 << 20);
  const down = randomBytes(5 << 20);
  const serverGot = new Promise<Buffer>((resolve) =>
    server.on('stream', (s) => {
      s.reply();
      // A reader that only takes data now and then: the session must hold back, not drop.
      const parts: Buffer[] = [];
      s.pause();
      const t = setInterval(() => {
        sawPaused ||= sock.isPaused();
        let d: Buffer | null;
        while ((d = s.read() as Buffer | null)) parts.push(d);
      }, 5);
      s.on('end', () => {
        clearInterval(t);
        resolve(Buffer.concat(parts));
      });
      s.on('readable', () => undefined);
      s.end(down);
    }),
  );
  const st = client.open({});
  const clientGot = readAll(st);
  st.end(up);
  assert.ok((await serverGot).equals(up), 'client → server');
  assert.ok(sawPaused, 'the transport was paused while the reader lagged');
  assert.ok((await clientGot).equals(down), 'server → client');
});

test('a reset reaches the other side as close with the status, and ends nothing else', async () => {
  const { client, server } = await sessions();
  const streams: SpdyStream[] = [];
  server.on('stream', (s) => {
    streams.push(s);
    s.reply();
  });
  const a = client.open({ n: ['a'] });
  const b = client.open({ n: ['b'] });
  await Promise.all([a.whenReplied(), b.whenReplied()]);
  a.reset();
  await once(streams[0], 'close');
  assert.equal(streams[0].resetStatus, RstStatus.Cancel);
  const bGot = readAll(b);
  streams[1].end('still here');
  assert.equal((await bGot).toString(), 'still here');
});

test('pings from the client are echoed; streams are refused without a handler', async () => {
  const { client } = await sessions();
  const rtt = await client.ping();
  assert.ok(rtt >= 0 && rtt < 5000);
  const st = client.open({});
  await assert.rejects(st.whenReplied(), /reset/);
  assert.equal(st.resetStatus, RstStatus.RefusedStream);
});

/** Raw frames from a hand-driven peer, to check the server's answers to bad input. */
async function rawPeer(): Promise<{ server: SpdySession; send: (f: Frame) => void; frames: Frame[]; sock: net.Socket }> {
  const [c, s] = await socketPair();
  const server = new SpdySession(s, 'server');
  const reader = new FrameReader();
  const frames: Frame[] = [];
  c.on('data', (d: Buffer) => frames.push(...reader.push(d)));
  return { server, send: (f) => c.write(encodeFrame(f)), frames, sock: c };
}

test('a stream id that is even or goes backwards is refused with PROTOCOL_ERROR', async () => {
  const { server, send, frames } = await rawPeer();
  const opened: number[] = [];
  server.on('stream', (s) => {
    opened.push(s.id);
    s.reply();
  });
  const hc = new HeaderCompressor();
  send({ type: 'syn_stream', streamId: 5, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: hc.compress({ a: ['1'] }) });
  send({ type: 'syn_stream', streamId: 4, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: hc.compress({ a: ['2'] }) });
  send({ type: 'syn_stream', streamId: 3, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: hc.compress({ a: ['3'] }) });
  send({ type: 'syn_stream', streamId: 7, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: hc.compress({ a: ['4'] }) });
  send({ type: 'ping', id: 9 });
  await waitUntil(() => frames.some((f) => f.type === 'ping'));
  assert.deepEqual(opened, [5, 7], 'the context stayed in step past the refused streams');
  assert.deepEqual(
    frames.filter((f) => f.type === 'rst_stream'),
    [
      { type: 'rst_stream', streamId: 4, status: RstStatus.ProtocolError },
      { type: 'rst_stream', streamId: 3, status: RstStatus.ProtocolError },
    ],
  );
  assert.deepEqual(frames.filter((f) => f.type === 'syn_reply').map((f) => (f as { streamId: number }).streamId), [5, 7]);
});

test('an undecodable header block ends the session with GOAWAY', async () => {
  const { server, send, frames, sock } = await rawPeer();
  server.on('stream', () => assert.fail('no stream from garbage'));
  const closed = once(server, 'close');
  send({ type: 'syn_stream', streamId: 1, associatedId: 0, priority: 0, slot: 0, flags: 0, headerBlock: Buffer.from('not zlib at all') });
  await closed;
  await waitUntil(() => frames.some((f) => f.type === 'goaway'));
  assert.deepEqual(frames.find((f) => f.type === 'goaway'), { type: 'goaway', lastGoodStreamId: 0, status: 1 });
  await waitUntil(() => sock.readableEnded);
});

test('losing the transport closes every stream', async () => {
  const { client, server } = await sessions();
  const got: SpdyStream[] = [];
  server.on('stream', (s) => {
    got.push(s);
    s.reply();
  });
  const st = client.open({});
  await st.whenReplied();
  const closed = [once(got[0], 'close'), once(st, 'close')];
  client.close();
  await Promise.all(closed);
  assert.equal(server.size, 0);
  assert.throws(() => client.open({}), /closed/);
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
