import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronParseError, isKnownTimeZone, nextCronTime, parseCronSchedule } from './cron-schedule.js';

test('parse errors carry robfig/cron messages', () => {
  const cases: [string, string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-3 * * * *', 'beginning of range (5) beyond end of range (3): 5-3'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every 1d', 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'],
    ['@every x', 'failed to parse duration @every x: time: invalid duration "x"'],
    ['TZ=Nowhere/Atlantis * * * * *', 'provided bad location Nowhere/Atlantis: unknown time zone Nowhere/Atlantis'],
  ];
  for (const [spec, msg] of cases) {
    assert.throws(() => parseCronSchedule(spec), (err: unknown) => err instanceof CronParseError && err.message === msg, spec);
  }
});

test('accepted forms', () => {
  for (const s of ['*/1 * * * *', '0 0 * * 0', '0 9-17 * * mon-fri', '15,45 */2 1 jan,JUL ?', '@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually', '@every 90s', 'CRON_TZ=Europe/Berlin 0 3 * * *']) {
    assert.doesNotThrow(() => parseCronSchedule(s), s);
  }
});

test('next run time, UTC and other zones', () => {
  const at = (iso: string) => new Date(iso);
  const cases: [string, string, string | undefined, string | undefined][] = [
    ['*/1 * * * *', '2026-12-07T15:00:30Z', 'UTC', '2026-12-07T15:01:00.000Z'],
    ['*/1 * * * *', '2026-12-07T15:00:00Z', 'UTC', '2026-12-07T15:01:00.000Z'],
    ['*/15 * * * *', '2026-12-07T15:16:00Z', 'UTC', '2026-12-07T15:30:00.000Z'],
    ['0 0 * * *', '2026-12-31T23:59:59Z', 'UTC', '2027-01-01T00:00:00.000Z'],
    ['@hourly', '2026-12-07T15:00:00Z', 'UTC', '2026-12-07T16:00:00.000Z'],
    ['@weekly', '2026-12-07T15:00:00Z', 'UTC', '2026-12-13T00:00:00.000Z'], // next Sunday
    ['@yearly', '2026-12-07T15:00:00Z', 'UTC', '2027-01-01T00:00:00.000Z'],
    ['0 0 29 2 *', '2026-03-01T00:00:00Z', 'UTC', '2028-02-29T00:00:00.000Z'],
    ['0 0 30 2 *', '2026-03-01T00:00:00Z', 'UTC', undefined],
    // Day-of-month and day-of-week both restricted: either matches (Dec 8 2026 is a Tuesday).
    ['0 0 1 * 2', '2026-12-07T00:00:00Z', 'UTC', '2026-12-08T00:00:00.000Z'],
    // 09:00 in New York in December is 14:00 UTC.
    ['0 9 * * *', '2026-12-07T15:00:00Z', 'America/New_York', '2026-12-08T14:00:00.000Z'],
    ['0 9 * * *', '2026-12-07T15:00:00Z', 'Asia/Kolkata', '2026-12-08T03:30:00.000Z'],
    // The schedule's own TZ= prefix wins over the argument.
    ['TZ=Asia/Tokyo 0 0 * * *', '2026-12-07T00:00:00Z', 'UTC', '2026-12-07T15:00:00.000Z'],
    // 02:30 does not exist in Berlin on 2027-03-28 (clocks jump 02:00→03:00): the next one is the day after.
    ['30 2 * * *', '2027-03-27T12:00:00Z', 'Europe/Berlin', '2027-03-29T00:30:00.000Z'],
    ['@every 90s', '2026-12-07T15:00:00.500Z', 'UTC', '2026-12-07T15:01:30.000Z'],
    // "," is accepted by the parser and matches nothing.
    [', * * * *', '2026-12-07T15:00:00Z', 'UTC', undefined],
  ];
  for (const [spec, after, tz, want] of cases) {
    const got = nextCronTime(parseCronSchedule(spec), at(after), tz);
    assert.equal(got?.toISOString(), want, `${spec} after ${after} in ${tz}`);
  }
});

test('time zone names', () => {
  assert.equal(isKnownTimeZone('Europe/Berlin'), true);
  assert.equal(isKnownTimeZone('Etc/UTC'), true);
  assert.equal(isKnownTimeZone('Mars/Olympus'), false);
  assert.equal(isKnownTimeZone('Local'), false);
  assert.equal(isKnownTimeZone(''), false);
});
