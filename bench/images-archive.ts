// `save` + `load` of a 100 MiB image, tskube beside podman (issue 19): busybox plus one layer of
// 100 MiB of random (incompressible) bytes, committed into tskube's store and handed to podman
// as the docker-archive tskube saved, so both sides hold the same content. Alternating rounds:
// tskube saves a docker-archive (in process, as `hyperkube image save` calls it) and loads it
// into a fresh store; podman `save -o` and, after `rmi`, `load -i` of its own archive.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { absolute, vsAnchor, type Figure } from './common.js';
import { BUSYBOX_TAG, ImageStore, commitLayer, createImageService, saveImages } from '../runtime/images/index.js';
import type { Podman } from '../testing/runtime-podman.js';
import { hyperkubeCommand } from '../testing/isolated.js';

const NAME = 'localhost/bench/big:1';
const MIB = 100;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Everything it makes lives under `root` (the caller removes it) and in `podman`'s private storage. */
export async function saveLoadFigures(root: string, imagesRoot: string, podman: Podman, podmanNote: string | undefined, rounds: number): Promise<Figure[]> {
  const upper = join(root, 'big-upper');
  mkdirSync(upper, { recursive: true });
  // 1 MiB at a time: one 100 MiB Buffer would be needless peak memory on a shared 2-core VM.
  for (let i = 0; i < MIB; i++) writeFileSync(join(upper, 'random.bin'), randomBytes(1 << 20), { flag: i ? 'a' : 'w' });
  const store = new ImageStore(imagesRoot);
  await store.init();
  await commitLayer(store, BUSYBOX_TAG, upper, NAME, { createdBy: 'bench: 100 MiB of random bytes' });
  rmSync(upper, { recursive: true, force: true });
  const ours = join(root, 'big-tskube.tar');
  const theirs = join(root, 'big-podman.tar');
  await saveImages(store, [NAME], ours, 'docker-archive');
  if (!podmanNote) {
    // Nothing else in podman's store (the build figures' busybox would share its layer), so its
    // load writes both layers, as tskube's load into an empty store does.
    podman.run(['rmi', '-a', '-f']);
    const l = podman.run(['load', '-i', ours]);
    if (l.code !== 0) podmanNote = `podman could not load tskube's archive: ${l.stderr}`;
  }
  const ms = (t0: number) => performance.now() - t0;
  const save: number[] = [], load: number[] = [], saveP: number[] = [], loadP: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    await saveImages(store, [NAME], ours, 'docker-archive');
    save.push(ms(t0));
    if (!podmanNote) {
      rmSync(theirs, { force: true });
      t0 = performance.now();
      const r = podman.run(['save', '-o', theirs, NAME]);
      saveP.push(ms(t0));
      if (r.code !== 0) throw new Error(`podman save: ${r.stderr}`);
    }
    const fresh = join(root, `load-${i}`);
    try {
      t0 = performance.now();
      await (await createImageService({ root: fresh })).loadArchive(ours);
      load.push(ms(t0));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
    if (!podmanNote) {
      const rm = podman.run(['rmi', NAME]);
      if (rm.code !== 0) throw new Error(`podman rmi: ${rm.stderr}`);
      t0 = performance.now();
      const r = podman.run(['load', '-i', theirs]);
      loadP.push(ms(t0));
      if (r.code !== 0) throw new Error(`podman load: ${r.stderr}`);
    }
  }
  // Once as processes (Node start-up and module loading included), as a user runs them.
  const cli = (args: string[]) => execFileSync(process.execPath, [...hyperkubeCommand(), 'image', ...args], { stdio: 'ignore' });
  const c0 = performance.now();
  cli([`--images-root=${imagesRoot}`, 'save', '-o', ours, NAME]);
  cli([`--images-root=${join(root, 'load-cli')}`, 'load', '-i', ours]);
  const cliMs = ms(c0);
  rmSync(join(root, 'load-cli'), { recursive: true, force: true });
  rmSync(ours, { force: true });
  rmSync(theirs, { force: true });
  const s = (x: number) => x / 1000;
  const sum = save.map((v, i) => v + load[i]);
  const sumP = saveP.map((v, i) => v + loadP[i]);
  const target = 'report (the issue names no ratio)';
  const fig = (name: string, ours: number[], theirs: number[], anchor: string): Figure => podmanNote
    ? { ...absolute({ name, unit: 's', value: s(median(ours)), target }, () => true), note: podmanNote }
    : vsAnchor({ name, unit: 's', value: s(median(ours)), anchor, anchor_value: s(median(theirs)), target }, () => true);
  const sumFig = fig('save_load_100mib', sum, sumP, 'podman save + load');
  const cliAnchor = sumFig.anchor_value === undefined ? undefined : { anchor: 'podman save + load', anchor_value: median(sumP) / 1000 };
  return [
    fig('save_100mib', save, saveP, 'podman save -o (docker-archive)'),
    fig('load_100mib', load, loadP, 'podman load -i (after rmi)'),
    sumFig,
    { ...absolute({ name: 'save_load_100mib_cli_process', unit: 's', value: s(cliMs), target: 'informative' }, () => true, cliAnchor), note: 'hyperkube image save then load as processes: Node start-up and loading every hyperkube module included' },
  ];
}
