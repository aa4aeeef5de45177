import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerIgnore } from './dockerignore.js';

test('.dockerignore: globs, **, directories, ! exceptions, last match wins', () => {
  const d = new DockerIgnore('# comment\n*.log\n/secret\nbuild/**\n**/*.tmp\n!keep.log\ndocs\n!docs/README.md\n');
  assert.ok(d.ignores('a.log'));
  assert.ok(!d.ignores('keep.log'));
  assert.ok(!d.ignores('sub/a.log'), '* does not cross /');
  assert.ok(d.ignores('secret'));
  assert.ok(d.ignores('secret/inner'), 'a matched directory excludes what it holds');
  assert.ok(d.ignores('build/x/y.o'));
  assert.ok(d.ignores('a/b/c.tmp') && d.ignores('c.tmp'));
  assert.ok(d.ignores('docs/other.md'));
  assert.ok(!d.ignores('docs/README.md'));
  assert.ok(!d.ignores('src/main.c'));
  assert.ok(new DockerIgnore('').empty);
  assert.ok(new DockerIgnore('a?c\n[xy].txt\n').ignores('abc'));
  assert.ok(new DockerIgnore('[xy].txt\n').ignores('y.txt'));
  assert.ok(!new DockerIgnore('[xy].txt\n').ignores('z.txt'));
});
