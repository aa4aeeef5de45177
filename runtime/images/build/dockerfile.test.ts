import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerfileError, parseDockerfile, parseInstruction } from './dockerfile.js';

test('instructions with their lines, flags, continuation and JSON forms', () => {
  const df = parseDockerfile([
    '# a comment',
    'FROM busybox AS b',
    'RUN echo a && \\',
    '    echo b',
    'COPY --from=b --chown=1:2 /x /y',
    'CMD ["sh", "-c", "echo x y"]',
    'ENTRYPOINT echo [not json',
    'HEALTHCHECK --interval=5s CMD true',
  ].join('\n'));
  assert.deepEqual(df.instructions.map((i) => [i.line, i.keyword]), [[2, 'FROM'], [3, 'RUN'], [5, 'COPY'], [6, 'CMD'], [7, 'ENTRYPOINT'], [8, 'HEALTHCHECK']]);
  assert.equal(df.instructions[1].args, 'echo a &&     echo b');
  assert.deepEqual(df.instructions[2].flags, { from: 'b', chown: '1:2' });
  assert.equal(df.instructions[2].args, '/x /y');
  assert.deepEqual(df.instructions[3].json, ['sh', '-c', 'echo x y'], 'JSON strings keep their spaces');
  assert.equal(df.instructions[4].json, undefined, 'not JSON: shell form');
  assert.deepEqual(df.instructions[5].flags, { interval: '5s' });
});

test('an unknown instruction or flag names its line', () => {
  assert.throws(() => parseDockerfile('FROM busybox\n\nFROBNICATE x\n'), (e: unknown) => e instanceof DockerfileError && e.line === 3 && /unknown instruction: FROBNICATE/.test(e.message));
  assert.throws(() => parseDockerfile('FROM busybox\nCOPY --bogus=1 a b\n'), /Dockerfile:2: unknown flag: --bogus/);
  assert.throws(() => parseDockerfile('FROM busybox\nWORKDIR --x /a\n'), /Dockerfile:2: unknown flag: --x/);
});

test('escape directive and ONBUILD triggers', () => {
  const df = parseDockerfile('# escape=`\nFROM busybox\nRUN echo a `\n  b\nONBUILD COPY --chown=1 a /b\n');
  assert.equal(df.escape, '`');
  assert.equal(df.instructions[1].args, 'echo a   b');
  assert.equal(df.instructions[2].args, 'COPY --chown=1 a /b');
  const t = parseInstruction(df.instructions[2].args, 5, '`');
  assert.deepEqual([t.keyword, t.flags, t.line], ['COPY', { chown: '1' }, 5]);
});
