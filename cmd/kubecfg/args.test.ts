import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Flags, parseArgs, parseDuration, UsageError } from './args.js';

test('flags before and after the verb, = and space forms, repeatable -f', () => {
  const p = parseArgs(['-n', 'team', 'get', 'pods', '-l', 'app=web', '--output=wide', '-f', 'a.yaml', '-f', 'b.yaml', '-A']);
  const f = new Flags(p);
  assert.deepEqual(p.positional, ['get', 'pods']);
  assert.equal(f.str('namespace'), 'team');
  assert.equal(f.str('selector'), 'app=web');
  assert.equal(f.str('output'), 'wide');
  assert.deepEqual(f.all('filename'), ['a.yaml', 'b.yaml']);
  assert.equal(f.bool('all-namespaces'), true);
  assert.equal(f.bool('watch'), false);
});

test('-s: a server URL or host:port, a service port, or the bare service switch', () => {
  assert.equal(new Flags(parseArgs(['-s', 'http://127.0.0.1:8080', 'get', 'pods'])).str('server'), 'http://127.0.0.1:8080');
  assert.equal(new Flags(parseArgs(['-s', '127.0.0.1:8080', 'get', 'pods'])).str('server'), '127.0.0.1:8080');
  const run = parseArgs(['run', 'nginx', '2', 'web', '-p', '8080:80', '-s']);
  assert.deepEqual(run.positional, ['run', 'nginx', '2', 'web']);
  assert.equal(new Flags(run).str('service'), 'true');
  assert.equal(new Flags(run).str('port'), '8080:80');
  const withPort = parseArgs(['run', 'nginx', '2', 'web', '-s', '8000']);
  assert.equal(new Flags(withPort).str('service'), '8000');
});

test('classic single-dash -json/-yaml, integers, unknown flags', () => {
  const f = new Flags(parseArgs(['list', 'pods', '-json', '--grace-period=0']));
  assert.equal(f.bool('json'), true);
  assert.equal(f.int('grace-period'), 0);
  assert.throws(() => parseArgs(['get', '--bogus']), UsageError);
  assert.throws(() => parseArgs(['get', '-n']), /needs an argument/);
  assert.throws(() => new Flags(parseArgs(['--grace-period', 'x'])).int('grace-period'), /not an integer/);
});

test('durations', () => {
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2'), 2000);
  assert.throws(() => parseDuration('soon'), UsageError);
});
