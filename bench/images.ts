// Image build benchmark: the same 5-step Dockerfile (FROM busybox, 2×RUN, COPY, CMD) built by
// tskube's builder and by `podman build` (Debian podman on a private storage root, runc, RUN
// steps without network on both sides) in the same run, alternating, cold (no cache; the base
// image present on both) and fully cached. The tskube figures are the build itself, in process;
// the `hyperkube image build` process (Node start-up and module loading included) is shown beside.
// Then save + load of a 100 MiB image beside podman save/load (images-archive.ts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { absolute, report, vsAnchor, type Figure } from './common.js';
import { buildImage } from '../runtime/images/build/builder.js';
import { createImageService } from '../runtime/images/index.js';
import { exportOCILayout } from '../testing/runtime-oci-export.js';
import { privatePodman } from '../testing/runtime-podman.js';
import { hyperkubeCommand } from '../testing/isolated.js';
import { saveLoadFigures } from './images-archive.js';

const DOCKERFILE = (base: string) => `FROM ${base}
RUN echo one > /one && ls / > /listing
RUN echo two > /two
COPY app.txt /app/app.txt
CMD ["cat", "/app/app.txt"]
`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function main(args: string[]): Promise<void> {
  const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
  const root = join(tmpdir(), `tkb-bench-${randomBytes(4).toString('hex')}`);
  const imagesRoot = join(root, 'images');
  const ctx = join(root, 'ctx');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'app.txt'), 'app\n');
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE('busybox'));
  const podman = privatePodman(join(root, 'podman'));
  const figures: Figure[] = [];
  try {
    // The same busybox on both sides: ours, pulled by podman from an OCI layout of it.
    await (await createImageService({ root: imagesRoot })).ensureBusybox();
    const podCtx = join(root, 'pctx');
    mkdirSync(podCtx);
    writeFileSync(join(podCtx, 'app.txt'), 'app\n');
    writeFileSync(join(podCtx, 'Dockerfile'), DOCKERFILE('localhost/busybox:latest'));
    let podmanNote: string | undefined;
    if (!podman.available) podmanNote = 'podman not installed (hack/install.sh installs it)';
    else {
      await exportOCILayout(imagesRoot, 'busybox', join(root, 'bb'), 'latest');
      const p = podman.run(['pull', `oci:${join(root, 'bb')}:latest`]);
      const t = podman.run(['tag', p.stdout.trim().split('\n').at(-1) ?? '', 'localhost/busybox:latest']);
      if (p.code !== 0 || t.code !== 0) podmanNote = `podman could not load busybox: ${p.stderr || t.stderr}`;
    }
    const ours = (noCache: boolean) => async () => {
      const t0 = performance.now();
      await buildImage({ imagesRoot, contextDir: ctx, tags: ['bench/build:1'], noCache, network: 'none', out: () => undefined });
      return performance.now() - t0;
    };
    const theirs = (noCache: boolean) => () => {
      const t0 = performance.now();
      const r = podman.run(['build', '--network', 'none', ...(noCache ? ['--no-cache'] : []), '-t', 'bench/build:1', podCtx]);
      if (r.code !== 0) throw new Error(`podman build: ${r.stderr}`);
      return performance.now() - t0;
    };
    await ours(false)(); // warm: the shim binary, the first sandbox
    if (!podmanNote) theirs(false)();
    const cold: number[] = [], coldP: number[] = [], cached: number[] = [], cachedP: number[] = [];
    for (let i = 0; i < rounds; i++) {
      cold.push(await ours(true)());
      if (!podmanNote) coldP.push(theirs(true)());
      cached.push(await ours(false)());
      if (!podmanNote) cachedP.push(theirs(false)());
    }
    // The CLI process once, cached: what a user waits for.
    const t0 = performance.now();
    execFileSync(process.execPath, [...hyperkubeCommand(), 'image', 'build', `--images-root=${imagesRoot}`, '--network', 'none', '-q', '-t', 'bench/build:1', ctx]);
    const cli = performance.now() - t0;
    const s = (ms: number) => ms / 1000;
    if (podmanNote) {
      figures.push({ ...absolute({ name: 'build_cold', unit: 's', value: s(median(cold)), target: '<= 1x podman build' }, () => false), note: podmanNote });
    } else {
      figures.push(vsAnchor({ name: 'build_cold', unit: 's', value: s(median(cold)), anchor: 'podman build --no-cache', anchor_value: s(median(coldP)), target: '<= 1x podman build' }, (_v, _a, r) => r <= 1));
    }
    const cachedAnchor = podmanNote ? undefined : { anchor: 'podman build (cached)', anchor_value: s(median(cachedP)) };
    figures.push(absolute({ name: 'build_cached', unit: 's', value: s(median(cached)), target: '<= 0.3 s' }, (v) => v <= 0.3, cachedAnchor));
    figures.push({ ...absolute({ name: 'build_cached_cli_process', unit: 's', value: s(cli), target: 'informative' }, () => true, cachedAnchor), note: 'hyperkube image build as a process: Node start-up and loading every hyperkube module included' });
    figures.push(...await saveLoadFigures(root, imagesRoot, podman, podmanNote, rounds));
  } finally {
    podman.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
  report('images', figures);
}
