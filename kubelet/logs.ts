// Reading CRI-format container logs (`<RFC3339Nano> stdout|stderr F|P <text>`)
// the way `kubectl logs` expects them: joined partial lines, optional
// timestamps, tail, since, and follow.
import { existsSync, openSync, readdirSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: string;
}

export function parseCriLine(line: string): LogLine | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), stream, partial: tag === 'P', text: c < 0 ? '' : line.slice(c + 1) };
}

/** Log files of a container, oldest attempt first: <podLogDir>/<container>/<n>.log. */
export function containerLogFiles(podLogDir: string, container: string): string[] {
  const dir = join(podLogDir, container);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d+\.log$/.test(f))
    .sort((x, y) => parseInt(x) - parseInt(y))
    .map((f) => join(dir, f));
}

export interface LogQuery {
  timestamps?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  limitBytes?: number;
}

/** Turns CRI lines into output text (partial lines joined). */
export class LogFormatter {
  private pending = '';
  constructor(private readonly q: LogQuery) {}

  /** The text for one CRI line, or '' when held back (partial, or before sinceSeconds). */
  format(l: LogLine): string {
    if (this.q.sinceSeconds && Date.parse(l.time) < Date.now() - this.q.sinceSeconds * 1000) return '';
    if (l.partial) {
      this.pending += l.text;
      return '';
    }
    const text = this.pending + l.text;
    this.pending = '';
    return (this.q.timestamps ? `${l.time} ` : '') + text + '\n';
  }
}

/** The whole current content of a log file, formatted, honouring tailLines. */
export function readLog(file: string, q: LogQuery): { text: string; offset: number } {
  const size = existsSync(file) ? statSync(file).size : 0;
  const buf = Buffer.alloc(size);
  if (size) {
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, size, 0);
    } finally {
      closeSync(fd);
    }
  }
  // Only whole lines; a half-written last line is read on the next follow step.
  const end = buf.lastIndexOf(0x0a) + 1;
  const f = new LogFormatter(q);
  let outLines = buf.subarray(0, end).toString('utf8').split('\n').filter(Boolean).map((l) => parseCriLine(l)).filter((l): l is LogLine => !!l).map((l) => f.format(l)).filter(Boolean);
  if (q.tailLines !== undefined && q.tailLines >= 0) outLines = q.tailLines === 0 ? [] : outLines.slice(-q.tailLines);
  return { text: outLines.join(''), offset: end };
}

/** New complete lines of file from offset. */
export function readFrom(file: string, offset: number, f: LogFormatter): { text: string; offset: number } {
  if (!existsSync(file)) return { text: '', offset };
  const size = statSync(file).size;
  if (size < offset) offset = 0; // rotated
  if (size === offset) return { text: '', offset };
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, offset);
  } finally {
    closeSync(fd);
  }
  const end = buf.lastIndexOf(0x0a) + 1;
  const text = buf.subarray(0, end).toString('utf8').split('\n').filter(Boolean).map((l) => parseCriLine(l)).filter((l): l is LogLine => !!l).map((l) => f.format(l)).join('');
  return { text, offset: offset + end };
}
