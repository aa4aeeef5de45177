import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planCopy, type CopyRequest } from './copy.js';
import { DirTree, MergedTree } from './merged.js';
import { DockerIgnore } from './dockerignore.js';
import { stepKey } from './cache.js';
import { TarWriter } from '../tar-writer.js';

function context(): string {
  const d = mkdtempSync(join(tmpdir(), 'tkb-copy-'));
  mkdirSync(join(d, 'dir/sub'), { recursive: true });
  writeFileSync(join(d, 'a.txt'), 'a');
  writeFileSync(join(d, 'dir/sub/b.txt'), 'b');
  writeFileSync(join(d, 'dir/skip.log'), 'x');
  symlinkSync('/etc/passwd', join(d, 'abs-link'));
  symlinkSync('../../etc', join(d, 'up-link'));
  symlinkSync('a.txt', join(d, 'ok-link'));
  return d;
}

const req = (ctx: string, sources: string[], dest: string, extra: Partial<CopyRequest> = {}): CopyRequest => ({
  src: new DirTree(ctx), isContext: true, sources, dest, workdir: '/w', target: new MergedTree([]), extractArchives: false, ...extra,
});

test('COPY: files and directories land where docker puts them, owned by root, .dockerignore applied', async () => {
  const ctx = context();
  try {
    const p = await planCopy(req(ctx, ['a.txt', 'dir'], '/dst/', { ignore: new DockerIgnore('*/skip.log\n') }));
    assert.deepEqual(p.entries.map((e) => `${e.type[0]} ${e.name} ${e.uid}`), ['d dst 0', 'f dst/a.txt 0', 'd dst/sub 0', 'f dst/sub/b.txt 0']);
    const rel = await planCopy(req(ctx, ['a.txt'], 'x.txt', { chown: { uid: 7, gid: 8 } }));
    assert.deepEqual(rel.entries.map((e) => `${e.name} ${e.uid}:${e.gid}`), ['w 7:8', 'w/x.txt 7:8'], 'relative to WORKDIR');
    const link = await planCopy(req(ctx, ['ok-link'], '/l'));
    assert.equal(link.entries.at(-1)!.type, 'file', 'a source symlink inside the context is followed');
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
});

test('COPY: sources outside the context are refused', async () => {
  const ctx = context();
  try {
    await assert.rejects(planCopy(req(ctx, ['../x'], '/d')), /outside the build context/);
    await assert.rejects(planCopy(req(ctx, ['/etc/passwd'], '/d')), /absolute source paths are outside the build context/);
    await assert.rejects(planCopy(req(ctx, ['abs-link'], '/d')), /points outside the build context/);
    await assert.rejects(planCopy(req(ctx, ['up-link/passwd'], '/d')), /points outside the build context/);
    await assert.rejects(planCopy(req(ctx, ['dir/skip.log'], '/d', { ignore: new DockerIgnore('**/*.log') })), /not found/);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
});

test('ADD: a local tar is unpacked; .., absolute names and device nodes are refused', async () => {
  const ctx = context();
  try {
    writeFileSync(join(ctx, 'ok.tar'), new TarWriter().dir('d').file('d/f', 'x').finish());
    const p = await planCopy(req(ctx, ['ok.tar'], '/opt/', { extractArchives: true }));
    assert.deepEqual(p.entries.map((e) => e.name), ['opt', 'opt/d', 'opt/d/f']);
    const bad: [string, Buffer, RegExp][] = [
      ['dots.tar', new TarWriter().file('../evil', 'x').finish(), /'\.\.' component/],
      ['abs.tar', new TarWriter().file('/etc/evil', 'x').finish(), /absolute path/],
      ['dev.tar', new TarWriter().chardev('null', 1, 3).finish(), /device node/],
      ['link.tar', new TarWriter().symlink('l', '../../..').finish(), /outside the archive/],
    ];
    for (const [name, data, re] of bad) {
      writeFileSync(join(ctx, name), data);
      await assert.rejects(planCopy(req(ctx, [name], '/opt/', { extractArchives: true })), re, name);
    }
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
});

test('cache keys: content, instruction and parent each change the key; mtimes do not', async () => {
  const ctx = context();
  try {
    const d1 = (await planCopy(req(ctx, ['a.txt'], '/a'))).digest;
    writeFileSync(join(ctx, 'a.txt'), 'a'); // same content, new mtime
    assert.equal((await planCopy(req(ctx, ['a.txt'], '/a'))).digest, d1);
    writeFileSync(join(ctx, 'a.txt'), 'changed');
    const d2 = (await planCopy(req(ctx, ['a.txt'], '/a'))).digest;
    assert.notEqual(d2, d1);
    assert.equal(stepKey('p', ['COPY', d1]), stepKey('p', ['COPY', d1]));
    assert.notEqual(stepKey('p', ['COPY', d1]), stepKey('p', ['COPY', d2]));
    assert.notEqual(stepKey('p', ['RUN', ['true']]), stepKey('q', ['RUN', ['true']]));
    assert.notEqual(stepKey('p', ['RUN', ['true']]), stepKey('p', ['RUN', ['false']]));
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
});
