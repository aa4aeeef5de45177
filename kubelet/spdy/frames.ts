// SPDY/3.1 framing (SPDY draft 3.1, "Framing Layer"): frames to bytes and an
// incremental reader from bytes to frames. Header blocks stay compressed here
// (headers.ts owns the session's zlib contexts, which must see them in order).
//
// Data frame:    [0|stream id:31][flags:8|length:24][data]
// Control frame: [1|version:15][type:16][flags:8|length:24][payload]

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const MAX_FRAME_LENGTH = 0xffffff;

/** Control frame types; plain numbers, as the type read off the wire is compared with them. */
export const ControlType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;
export type ControlType = (typeof ControlType)[keyof typeof ControlType];

/** RST_STREAM status codes. */
export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
  FrameTooLarge: 11,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { Ok: 0, ProtocolError: 1, InternalError: 2 } as const;

export interface SettingsEntry {
  flags: number;
  id: number;
  value: number;
}

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; slot: number; flags: number; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: SettingsEntry[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; version: number; frameType: number; flags: number; payload: Buffer };

export class SpdyProtocolError extends Error {}

const ID_MASK = 0x7fffffff;

function control(type: ControlType, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_LENGTH) throw new SpdyProtocolError(`control frame of ${payload.length} bytes is too large`);
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([h, payload]);
}

function u32s(...vals: number[]): Buffer {
  const b = Buffer.alloc(4 * vals.length);
  vals.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** One frame as bytes (header blocks must already be compressed). */
export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_FRAME_LENGTH) throw new SpdyProtocolError(`data frame of ${f.data.length} bytes is too large`);
      const h = Buffer.alloc(8);
      h.writeUInt32BE(f.streamId & ID_MASK, 0);
      h.writeUInt32BE(((f.flags & 0xff) << 24 | f.data.length) >>> 0, 4);
      return Buffer.concat([h, f.data]);
    }
    case 'syn_stream': {
      const p = Buffer.alloc(10);
      p.writeUInt32BE(f.streamId & ID_MASK, 0);
      p.writeUInt32BE(f.associatedId & ID_MASK, 4);
      p[8] = (f.priority & 0x7) << 5;
      p[9] = f.slot & 0xff;
      return control(ControlType.SynStream, f.flags, Buffer.concat([p, f.headerBlock]));
    }
    case 'syn_reply':
      return control(ControlType.SynReply, f.flags, Buffer.concat([u32s(f.streamId & ID_MASK), f.headerBlock]));
    case 'headers':
      return control(ControlType.Headers, f.flags, Buffer.concat([u32s(f.streamId & ID_MASK), f.headerBlock]));
    case 'rst_stream':
      return control(ControlType.RstStream, 0, u32s(f.streamId & ID_MASK, f.status));
    case 'settings':
      return control(ControlType.Settings, f.flags, u32s(f.entries.length, ...f.entries.flatMap((e) => [((e.flags & 0xff) << 24 | (e.id & 0xffffff)) >>> 0, e.value])));
    case 'ping':
      return control(ControlType.Ping, 0, u32s(f.id));
    case 'goaway':
      return control(ControlType.GoAway, 0, u32s(f.lastGoodStreamId & ID_MASK, f.status));
    case 'window_update':
      return control(ControlType.WindowUpdate, 0, u32s(f.streamId & ID_MASK, f.delta & ID_MASK));
    case 'unknown': {
      const h = Buffer.alloc(8);
      h.writeUInt16BE(0x8000 | f.version, 0);
      h.writeUInt16BE(f.frameType, 2);
      h.writeUInt32BE(((f.flags & 0xff) << 24 | f.payload.length) >>> 0, 4);
      return Buffer.concat([h, f.payload]);
    }
  }
}

function need(p: Buffer, n: number, what: string): void {
  if (p.length < n) throw new SpdyProtocolError(`${what} frame too short (${p.length} bytes)`);
}

function decodeControl(version: number, type: number, flags: number, p: Buffer): Frame {
  if (version !== SPDY_VERSION) return { type: 'unknown', version, frameType: type, flags, payload: p };
  switch (type) {
    case ControlType.SynStream:
      need(p, 10, 'SYN_STREAM');
      return { type: 'syn_stream', streamId: p.readUInt32BE(0) & ID_MASK, associatedId: p.readUInt32BE(4) & ID_MASK, priority: p[8] >> 5, slot: p[9], flags, headerBlock: p.subarray(10) };
    case ControlType.SynReply:
      need(p, 4, 'SYN_REPLY');
      return { type: 'syn_reply', streamId: p.readUInt32BE(0) & ID_MASK, flags, headerBlock: p.subarray(4) };
    case ControlType.Headers:
      need(p, 4, 'HEADERS');
      return { type: 'headers', streamId: p.readUInt32BE(0) & ID_MASK, flags, headerBlock: p.subarray(4) };
    case ControlType.RstStream:
      need(p, 8, 'RST_STREAM');
      return { type: 'rst_stream', streamId: p.readUInt32BE(0) & ID_MASK, status: p.readUInt32BE(4) };
    case ControlType.Settings: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + 8 * n, 'SETTINGS');
      const entries: SettingsEntry[] = [];
      for (let i = 0; i < n; i++) {
        const fi = p.readUInt32BE(4 + 8 * i);
        entries.push({ flags: fi >>> 24, id: fi & 0xffffff, value: p.readUInt32BE(8 + 8 * i) });
      }
      return { type: 'settings', flags, entries };
    }
    case ControlType.Ping:
      need(p, 4, 'PING');
      return { type: 'ping', id: p.readUInt32BE(0) };
    case ControlType.GoAway:
      need(p, 8, 'GOAWAY');
      return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & ID_MASK, status: p.readUInt32BE(4) };
    case ControlType.WindowUpdate:
      need(p, 8, 'WINDOW_UPDATE');
      return { type: 'window_update', streamId: p.readUInt32BE(0) & ID_MASK, delta: p.readUInt32BE(4) & ID_MASK };
    default:
      return { type: 'unknown', version, frameType: type, flags, payload: p };
  }
}

/** Cuts a byte stream, fed in arbitrary pieces, into frames. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  /** Frames completed by this chunk, in order; throws SpdyProtocolError on a malformed frame. */
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    let off = 0;
    while (this.buf.length - off >= 8) {
      const w0 = this.buf.readUInt32BE(off);
      const w1 = this.buf.readUInt32BE(off + 4);
      const flags = w1 >>> 24;
      const len = w1 & 0xffffff;
      if (this.buf.length - off < 8 + len) break;
      // Copy out of the shared buffer: consumers keep payloads past the next push.
      const payload = Buffer.from(this.buf.subarray(off + 8, off + 8 + len));
      off += 8 + len;
      if (w0 & 0x80000000) out.push(decodeControl((w0 >>> 16) & 0x7fff, w0 & 0xffff, flags, payload));
      else out.push({ type: 'data', streamId: w0 & ID_MASK, flags, data: payload });
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(off);
    return out;
  }

  /** Bytes held for an incomplete frame. */
  get pending(): number {
    return this.buf.length;
  }
}
