// Splits a byte stream into lines however the chunks fall: a line (or a
// multi-byte UTF-8 character) cut across two chunks is joined before it is
// handed out. The watch stream is one JSON object per line.

import { StringDecoder } from 'node:string_decoder';

export class LineDecoder {
  private readonly utf8 = new StringDecoder('utf8');
  private partial = '';

  /** Feed a chunk; returns the complete, non-empty lines it finished. */
  push(chunk: Buffer | string): string[] {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.utf8.write(chunk));
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.map(stripCR).filter((l) => l.length > 0);
  }

  /** The stream ended: whatever is left is the last line, if not empty. */
  end(): string[] {
    const rest = stripCR(this.partial + this.utf8.end()).trim();
    this.partial = '';
    return rest.length > 0 ? [rest] : [];
  }

  /** Bytes received but not yet part of a complete line (for tests and diagnostics). */
  get pending(): string {
    return this.partial;
  }
}

function stripCR(l: string): string {
  return l.endsWith('\r') ? l.slice(0, -1) : l;
}
