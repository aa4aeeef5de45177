// .dockerignore patterns, as docker's patternmatcher reads them: one pattern a line, `#` comments,
// paths cleaned and relative to the context root, `*` and `?` within one path element, `**` any
// number of elements, `[...]` classes, `!` re-includes; the last pattern that matches a path (or
// one of its parent directories) decides.

interface Pattern {
  re: RegExp;
  exclusion: boolean;
}

function cleanPattern(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function toRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` matches zero or more directories; a trailing `**` anything below.
        if (pattern[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let cls = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export class DockerIgnore {
  private readonly patterns: Pattern[];

  constructor(text: string) {
    this.patterns = [];
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const exclusion = line.startsWith('!');
      if (exclusion) line = line.slice(1).trim();
      const p = cleanPattern(line);
      if (!p) continue;
      this.patterns.push({ re: toRegExp(p), exclusion });
    }
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether `rel` (a path relative to the context root, `/`-separated) is left out. */
  ignores(rel: string): boolean {
    const path = cleanPattern(rel);
    if (!path) return false;
    const parts = path.split('/');
    let ignored = false;
    for (const p of this.patterns) {
      // A pattern matching a parent directory matches everything in it.
      let hit = false;
      for (let n = parts.length; n >= 1 && !hit; n--) hit = p.re.test(parts.slice(0, n).join('/'));
      if (hit) ignored = !p.exclusion;
    }
    return ignored;
  }

  /** Whether a directory may hold something re-included by a `!` pattern (then it is walked). */
  mayReinclude(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }
}
