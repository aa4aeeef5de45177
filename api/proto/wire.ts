// Minimal protobuf wire-format reader: just enough to walk Kubernetes' proto2 messages
// field by field. Values are returned raw; the schema layer decides what they mean.

export class ProtobufError extends Error {
  constructor(message: string, readonly unsupportedKind = false) {
    super(message);
    this.name = 'ProtobufError';
  }
}

export type WireValue =
  | { wire: 0; value: bigint } // varint
  | { wire: 1; value: Buffer } // fixed64
  | { wire: 2; value: Buffer } // length-delimited
  | { wire: 5; value: Buffer }; // fixed32

export interface WireField {
  num: number;
  v: WireValue;
}

export function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError('truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [BigInt.asUintN(64, result), pos];
    shift += 7n;
  }
  throw new ProtobufError('varint longer than 10 bytes');
}

/** Splits one message's bytes into its fields, in wire order. */
export function readFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const num = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (num === 0) throw new ProtobufError('field number 0 is invalid');
    switch (wire) {
      case 0: {
        const [v, p] = readVarint(buf, pos);
        pos = p;
        out.push({ num, v: { wire: 0, value: v } });
        break;
      }
      case 1:
      case 5: {
        const n = wire === 1 ? 8 : 4;
        if (pos + n > buf.length) throw new ProtobufError(`truncated fixed${n * 8} in field ${num}`);
        out.push({ num, v: { wire, value: buf.subarray(pos, pos + n) } });
        pos += n;
        break;
      }
      case 2: {
        const [len, p] = readVarint(buf, pos);
        const end = p + Number(len);
        if (len > BigInt(buf.length) || end > buf.length) throw new ProtobufError(`truncated length-delimited field ${num}`);
        out.push({ num, v: { wire: 2, value: buf.subarray(p, end) } });
        pos = end;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wire} for field ${num}`);
    }
  }
  return out;
}
