// DNS over TCP: each message is preceded by its length as two bytes (RFC 1035
// 4.2.2). A reader that never holds more than one frame of a size limit.

import net from 'node:net';

/** Splits a TCP byte stream into DNS messages; a frame longer than maxLength is an error (the caller drops the connection). */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxLength: number) {}

  /** Appends bytes; returns the complete messages, or null if a frame announced is too long. */
  push(chunk: Buffer): Buffer[] | null {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.buf.length >= 2) {
      const len = this.buf.readUInt16BE(0);
      if (len === 0 || len > this.maxLength) return null;
      if (this.buf.length < 2 + len) break;
      out.push(Buffer.from(this.buf.subarray(2, 2 + len)));
      this.buf = this.buf.subarray(2 + len);
    }
    if (this.buf.length > 2 + this.maxLength) return null;
    return out;
  }
}

export function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** One query over TCP; rejects on error, timeout or a closed connection before the answer. */
export function tcpQuery(host: string, port: number, msg: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const reader = new FrameReader(65535);
    const timer = setTimeout(() => done(new Error(`tcp ${host}:${port}: timeout`)), timeoutMs);
    const done = (err: Error | null, res?: Buffer) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    sock.on('connect', () => sock.write(frame(msg)));
    sock.on('data', (d) => {
      const msgs = reader.push(d);
      if (!msgs) done(new Error('bad frame'));
      else if (msgs.length) done(null, msgs[0]);
    });
    sock.on('error', (e) => done(e));
    sock.on('close', () => done(new Error(`tcp ${host}:${port}: closed`)));
  });
}
