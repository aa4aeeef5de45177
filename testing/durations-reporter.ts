// A node:test reporter for hack/test.sh: beside the TAP on stdout it writes, at the end, the
// slowest test files (file → seconds) and then node's own closing summary (# tests/pass/fail …),
// so a CI log still ends with `# pass N` / `# fail N` after the table.
// Use: node --test --test-reporter=tap --test-reporter-destination=stdout
//        --test-reporter=$PWD/dist-test/testing/durations-reporter.js --test-reporter-destination=FILE
// TSKUBE_SLOWEST=N sets how many files the table lists (default 12).

interface ReporterEvent {
  type: string;
  data?: {
    name?: string;
    nesting?: number;
    file?: string;
    message?: string;
    details?: { duration_ms?: number; passed?: boolean };
  };
}

// Two figures per file. "tests": the sum of its top-level tests' durations (they run one after
// another; a top-level before() hook counts in the first test's). "wall": with a process per file,
// node ends each file with a nesting-0 `test:complete` named by its path, lasting from the file's
// start until node has taken in its whole report (module load included) — exact when files run one
// at a time, but with --test-concurrency > 1 a file's report waits for the file ahead of it, so the
// table is sorted by "tests".

const SUMMARY = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;

export default async function* durationsReporter(source: AsyncIterable<ReporterEvent>): AsyncGenerator<string> {
  const wall = new Map<string, number>();
  const summed = new Map<string, number>();
  const failed = new Set<string>();
  const summary: string[] = [];
  for await (const event of source) {
    const data = event.data;
    if (!data || data.nesting !== 0) continue;
    const file = data.file;
    const ms = data.details?.duration_ms ?? 0;
    if (event.type === 'test:complete' && file && data.name === file) {
      wall.set(file, ms / 1000);
      if (data.details?.passed === false) failed.add(file);
    } else if ((event.type === 'test:pass' || event.type === 'test:fail') && file) {
      summed.set(file, (summed.get(file) ?? 0) + ms / 1000);
      if (event.type === 'test:fail') failed.add(file);
    } else if (event.type === 'test:diagnostic' && data.message && SUMMARY.test(data.message)) {
      summary.push(data.message);
    }
  }
  const files = [...new Set([...summed.keys(), ...wall.keys()])];
  const tests = (f: string): number => summed.get(f) ?? 0;
  const limit = Number(process.env.TSKUBE_SLOWEST ?? '12') || 12;
  const rows = files.sort((a, b) => tests(b) - tests(a)).slice(0, limit);
  const total = files.reduce((sum, f) => sum + tests(f), 0);
  const cwd = process.cwd() + '/';
  const sec = (n: number | undefined): string => (n === undefined ? '-' : n.toFixed(1)).padStart(7);
  let out = `# slowest files (${rows.length} of ${files.length}; tests sum to ${total.toFixed(0)} s)\n#     tests    wall  file\n`;
  for (const file of rows) {
    const name = file.startsWith('file://') ? new URL(file).pathname : file;
    const shown = name.startsWith(cwd) ? name.slice(cwd.length) : name;
    out += `# ${sec(summed.get(file))} ${sec(wall.get(file))}  ${shown}${failed.has(file) ? '  (failed)' : ''}\n`;
  }
  for (const line of summary) out += `# ${line}\n`;
  yield out;
}
