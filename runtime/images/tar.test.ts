import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readTar, type TarEntry } from './tar-reader.js';
import { TarWriter } from './tar-writer.js';

async function collect(src: AsyncIterable<Buffer>): Promise<(Omit<TarEntry, 'body'> & { data: string })[]> {
  const out = [];
  for await (const e of readTar(src)) {
    let data = '';
    // Read only every other body, to check unread bodies are skipped correctly.
    if (e.type === 'file' && out.length % 2 === 0) for await (const c of e.body()) data += c.toString();
    const rest: Omit<TarEntry, 'body'> & Partial<Pick<TarEntry, 'body'>> = { ...e };
    delete rest.body;
    out.push({ ...rest, data });
  }
  return out;
}

/** Re-chunks a buffer into small pieces, to exercise headers split across reads. */
function chunked(b: Buffer, size: number): AsyncIterable<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) pieces.push(b.subarray(i, i + size));
  return Readable.from(pieces);
}

test('round trip through TarWriter and readTar, with pax long names, in odd chunk sizes', async () => {
  const long = `${'d'.repeat(90)}/${'f'.repeat(120)}`;
  const tar = new TarWriter()
    .dir('a', { mode: 0o750, uid: 5, gid: 6 })
    .file('a/x', 'hello', { mode: 0o640, mtime: 1234 })
    .file('a/y', Buffer.alloc(1000, 7))
    .file(long, 'long')
    .symlink('a/s', '../' + 'z'.repeat(150))
    .hardlink('a/h', 'a/x')
    .chardev('a/c', 1, 3)
    .finish();
  for (const size of [1, 7, 511, 513, 100000]) {
    const es = await collect(chunked(tar, size));
    assert.deepEqual(es.map((e) => [e.name, e.type]), [
      ['a/', 'dir'], ['a/x', 'file'], ['a/y', 'file'], [long, 'file'], ['a/s', 'symlink'], ['a/h', 'link'], ['a/c', 'chardev'],
    ]);
    assert.equal(es[0].mode, 0o750);
    assert.equal(es[0].uid, 5);
    assert.equal(es[1].data, '');
    assert.equal(es[1].mtime, 1234);
    assert.equal(es[2].data.length, 1000);
    assert.equal(es[3].data, '');
    assert.equal(es[4].linkname, '../' + 'z'.repeat(150));
    assert.equal(es[5].linkname, 'a/x');
    assert.deepEqual([es[6].devmajor, es[6].devminor], [1, 3]);
  }
});

test('reads GNU tar output: long names (L/K headers) and pax format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkt-tar-'));
  try {
    const src = join(dir, 'src');
    const deep = join(src, 'n'.repeat(120), 'm'.repeat(120));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'file.txt'), 'deep content');
    symlinkSync('../'.repeat(1) + 'l'.repeat(130), join(src, 'link'));
    for (const format of ['gnu', 'pax']) {
      const out = join(dir, `${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '-C', src, '-cf', out, '.']);
      const entries: Record<string, string> = {};
      const links: Record<string, string> = {};
      for await (const e of readTar(chunked(readFileSync(out), 4096))) {
        let data = '';
        if (e.type === 'file') for await (const c of e.body()) data += c.toString();
        entries[e.name] = data;
        if (e.type === 'symlink') links[e.name] = e.linkname;
      }
      assert.equal(entries[`./${'n'.repeat(120)}/${'m'.repeat(120)}/file.txt`], 'deep content', format);
      assert.equal(links['./link'], '../' + 'l'.repeat(130), format);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corrupt and truncated archives fail clearly', async () => {
  const tar = new TarWriter().file('a', 'x'.repeat(2000)).finish();
  const bad = Buffer.from(tar);
  bad[10] ^= 0xff;
  await assert.rejects(collect(chunked(bad, 512)), /checksum/);
  await assert.rejects(async () => {
    for await (const e of readTar(chunked(tar.subarray(0, 1024), 100))) {
      const body = e.body()[Symbol.asyncIterator]();
      while (!(await body.next()).done) {
        /* read */
      }
    }
  }, /unexpected end/);
});
