// Reads a Dockerfile into instructions with dockerfile-ast (line continuations, comments, the
// escape directive, flags), and checks each keyword and its flags: an unknown instruction or flag
// is an error naming its line, as docker's parser does.
import { DockerfileParser, type Instruction as AstInstruction } from 'dockerfile-ast';

export const KEYWORDS = ['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL'] as const;
export type Keyword = (typeof KEYWORDS)[number];

/** The flags each instruction takes (others are refused). */
const FLAGS: Partial<Record<Keyword, string[]>> = {
  FROM: ['platform'],
  COPY: ['from', 'chown', 'chmod', 'link'],
  ADD: ['chown', 'chmod', 'link'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
  RUN: ['network'],
};

export interface Instruction {
  /** 1-based line of the keyword. */
  line: number;
  keyword: Keyword;
  /** Arguments with continuations joined and flags removed, not yet expanded. */
  args: string;
  flags: Record<string, string>;
  /** The JSON (exec) form, when the arguments are a JSON array of strings. */
  json?: string[];
  /** The instruction as written (continuations joined), for history and cache keys. */
  original: string;
}

export class DockerfileError extends Error {
  constructor(readonly line: number, message: string) {
    super(`Dockerfile:${line}: ${message}`);
    this.name = 'DockerfileError';
  }
}

export interface ParsedDockerfile {
  escape: string;
  instructions: Instruction[];
}

/** A JSON array of strings, or undefined (then the text is the shell form). */
export function parseJsonForm(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v;
  } catch { /* shell form */ }
  return undefined;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const df = DockerfileParser.parse(text);
  const escape = df.getEscapeCharacter();
  return { escape, instructions: df.getInstructions().map((i) => convert(i, escape)) };
}

/** One instruction (also an ONBUILD trigger's text). */
export function parseInstruction(text: string, line: number, escape = '\\'): Instruction {
  const df = DockerfileParser.parse(`# escape=${escape}\n${text}`);
  const [i] = df.getInstructions();
  if (!i) throw new DockerfileError(line, `empty instruction`);
  return { ...convert(i, escape), line };
}

function convert(i: AstInstruction, escape: string): Instruction {
  const line = i.getRange().start.line + 1;
  const keyword = i.getKeyword().toUpperCase();
  if (!(KEYWORDS as readonly string[]).includes(keyword)) throw new DockerfileError(line, `unknown instruction: ${i.getInstruction()}`);
  const kw = keyword as Keyword;
  const flags: Record<string, string> = {};
  const withFlags = i as AstInstruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  // ONBUILD's trigger keeps its own flags (they belong to the trigger instruction).
  if (kw !== 'ONBUILD') {
    for (const f of withFlags.getFlags?.() ?? []) {
      const name = f.getName();
      if (!(FLAGS[kw] ?? []).includes(name)) throw new DockerfileError(line, `unknown flag: --${name}`);
      flags[name] = f.getValue() ?? '';
    }
  }
  let args = i.getArgumentsContent() ?? '';
  if (kw === 'ONBUILD') args = (i.getRawArgumentsContent() ?? '').replace(new RegExp(`${escape === '\\' ? '\\\\' : escape}\\r?\\n`, 'g'), '');
  // dockerfile-ast leaves flags of instructions it reads none for in the arguments; docker parses
  // flags on every instruction, so such a flag is unknown there.
  const stray = kw !== 'ONBUILD' && !withFlags.getFlags ? /^--([A-Za-z-]+)/.exec(args.trim()) : null;
  if (stray) throw new DockerfileError(line, `unknown flag: --${stray[1]}`);
  const json = ['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME'].includes(kw) ? parseJsonForm(args) : undefined;
  const original = `${kw} ${Object.entries(flags).map(([k, v]) => `--${k}=${v} `).join('')}${args}`.trim();
  return { line, keyword: kw, args: args.trim(), flags, json, original };
}
