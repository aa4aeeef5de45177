// A small in-memory tar writer (ustar + pax for long names), used to build the busybox layer
// and test archives. Deterministic: the same calls give the same bytes.

export interface TarWriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch; default 0 so archives are reproducible. */
  mtime?: number;
}

const BLOCK = 512;

export class TarWriter {
  private readonly parts: Buffer[] = [];

  file(name: string, data: Buffer | string, o: TarWriteOptions = {}): this {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    this.entry(name, '0', o.mode ?? 0o644, o, body.length, '');
    this.parts.push(body, Buffer.alloc(pad(body.length)));
    return this;
  }
  dir(name: string, o: TarWriteOptions = {}): this {
    return this.entry(name.endsWith('/') ? name : `${name}/`, '5', o.mode ?? 0o755, o, 0, '');
  }
  symlink(name: string, target: string, o: TarWriteOptions = {}): this {
    return this.entry(name, '2', o.mode ?? 0o777, o, 0, target);
  }
  hardlink(name: string, target: string, o: TarWriteOptions = {}): this {
    return this.entry(name, '1', o.mode ?? 0o644, o, 0, target);
  }
  chardev(name: string, major: number, minor: number, o: TarWriteOptions = {}): this {
    return this.entry(name, '3', o.mode ?? 0o666, o, 0, '', major, minor);
  }
  fifo(name: string, o: TarWriteOptions = {}): this {
    return this.entry(name, '6', o.mode ?? 0o644, o, 0, '');
  }
  /** The archive with its two end-of-archive blocks. */
  finish(): Buffer {
    return Buffer.concat([...this.parts, Buffer.alloc(BLOCK * 2)]);
  }

  private entry(name: string, flag: string, mode: number, o: TarWriteOptions, size: number, link: string,
    major = 0, minor = 0): this {
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(link) > 100) {
      // pax extended header carries the long path/linkpath.
      let recs = '';
      if (Buffer.byteLength(name) > 100) recs += paxRecord('path', name);
      if (Buffer.byteLength(link) > 100) recs += paxRecord('linkpath', link);
      const data = Buffer.from(recs);
      this.parts.push(header('PaxHeader', 'x', 0o644, {}, data.length, '', 0, 0), data, Buffer.alloc(pad(data.length)));
    }
    this.parts.push(header(name, flag, mode, o, size, link, major, minor));
    return this;
  }
}

function pad(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

function paxRecord(k: string, v: string): string {
  const body = ` ${k}=${v}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function header(name: string, flag: string, mode: number, o: TarWriteOptions, size: number, link: string,
  major: number, minor: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(Buffer.from(name).subarray(0, 100).toString('latin1'), 0, 100, 'latin1');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, o.uid ?? 0);
  octal(h, 116, 8, o.gid ?? 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, o.mtime ?? 0);
  h.write(flag, 156, 1, 'latin1');
  h.write(Buffer.from(link).subarray(0, 100).toString('latin1'), 157, 100, 'latin1');
  h.write('ustar\u000000', 257, 8, 'latin1');
  octal(h, 329, 8, major);
  octal(h, 337, 8, minor);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

function octal(h: Buffer, off: number, len: number, v: number): void {
  h.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}
