// Dockerfile words as the builder's shell lexer reads them: whitespace splits words outside
// quotes, '...' is literal, "..." expands variables, the escape character (\ or the `escape`
// directive's) escapes the next character, and $NAME / ${NAME} / ${NAME:-word} / ${NAME-word} /
// ${NAME:+word} / ${NAME+word} / ${NAME:?msg} / ${NAME?msg} expand from the build's variables.

export type Lookup = (name: string) => string | undefined;

export class WordError extends Error {}

/** Splits on unquoted whitespace, keeping quotes and escapes in the words (expanded later). */
export function splitWords(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (!quote && /\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    cur += c;
    if (c === escape && quote !== "'" && i + 1 < text.length) { cur += text[++i]; continue; }
    if (quote) { if (c === quote) quote = ''; } else if (c === '"' || c === "'") quote = c;
  }
  if (inWord) words.push(cur);
  return words;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Removes quotes and escapes and expands variables of one word. */
export function expandWord(word: string, lookup: Lookup, escape = '\\'): string {
  let out = '';
  let i = 0;
  const variable = (): string => {
    // at '$'
    i++;
    if (word[i] === '{') {
      i++;
      let name = '';
      while (i < word.length && NAME_CHAR.test(word[i])) name += word[i++];
      if (!name) throw new WordError(`bad substitution in ${JSON.stringify(word)}`);
      if (word[i] === '}') { i++; return lookup(name) ?? ''; }
      if (i >= word.length) throw new WordError(`missing '}' in ${JSON.stringify(word)}`);
      let op = word[i];
      if (op === ':') op += word[++i];
      i++;
      if (!['-', ':-', '+', ':+', '?', ':?'].includes(op)) throw new WordError(`unsupported modifier (${op}) in substitution ${JSON.stringify(word)}`);
      // The operand runs to the matching '}' (nested ${...} allowed) and is itself a word.
      let depth = 1;
      let operand = '';
      while (i < word.length) {
        const c = word[i];
        if (c === escape && i + 1 < word.length) { operand += c + word[i + 1]; i += 2; continue; }
        if (c === '$' && word[i + 1] === '{') { depth++; operand += '${'; i += 2; continue; }
        if (c === '}' && --depth === 0) break;
        operand += c;
        i++;
      }
      if (word[i] !== '}') throw new WordError(`missing '}' in ${JSON.stringify(word)}`);
      i++;
      const v = lookup(name);
      const set = op.startsWith(':') ? v !== undefined && v !== '' : v !== undefined;
      const w = () => expandWord(operand, lookup, escape);
      switch (op.replace(':', '')) {
        case '-': return set ? v! : w();
        case '+': return set ? w() : '';
        default: if (!set) throw new WordError(`${name}: ${w() || 'is not allowed to be unset'}`); return v!;
      }
    }
    if (i < word.length && NAME_START.test(word[i])) {
      let name = '';
      while (i < word.length && NAME_CHAR.test(word[i])) name += word[i++];
      return lookup(name) ?? '';
    }
    return '$';
  };
  while (i < word.length) {
    const c = word[i];
    if (c === escape) {
      if (i + 1 < word.length) out += word[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) throw new WordError(`unexpected end of statement while looking for matching single-quote in ${JSON.stringify(word)}`);
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= word.length) throw new WordError(`unexpected end of statement while looking for matching double-quote in ${JSON.stringify(word)}`);
        const d = word[i];
        if (d === '"') { i++; break; }
        if (d === escape && i + 1 < word.length) {
          const n = word[i + 1];
          out += n === '"' || n === '$' || n === escape ? n : d + n;
          i += 2;
        } else if (d === '$') out += variable();
        else { out += d; i++; }
      }
    } else if (c === '$') out += variable();
    else { out += c; i++; }
  }
  return out;
}

/** Every word of `text`, expanded. */
export function expandWords(text: string, lookup: Lookup, escape = '\\'): string[] {
  return splitWords(text, escape).map((w) => expandWord(w, lookup, escape));
}

/**
 * `KEY=value ...` pairs of ENV, LABEL and ARG (values expanded), or the legacy
 * `KEY value with spaces` form when the first word has no '=' (ENV and LABEL only).
 */
export function keyValues(text: string, lookup: Lookup, opts: { legacy: boolean; allowBare?: boolean; escape?: string }): [string, string | undefined][] {
  const esc = opts.escape ?? '\\';
  const words = splitWords(text, esc);
  if (words.length === 0) throw new WordError('requires at least one argument');
  if (opts.legacy && !words[0].includes('=')) {
    if (words.length < 2) throw new WordError('must have two arguments');
    const rest = text.trimStart().slice(words[0].length).trim();
    return [[expandWord(words[0], lookup, esc), expandWord(rest, lookup, esc)]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) {
      if (opts.allowBare) return [expandWord(w, lookup, esc), undefined];
      throw new WordError(`can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    }
    const key = expandWord(w.slice(0, eq), lookup, esc);
    if (!key) throw new WordError(`invalid name in ${JSON.stringify(w)}`);
    return [key, expandWord(w.slice(eq + 1), lookup, esc)];
  });
}
