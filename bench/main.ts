#!/usr/bin/env node
// `npm run bench -- <name>`: api, runtime, pods, peers, scheduler, proxy, dns, ui, images, nodes, soak, all (each in turn, here; soak not),
// or report (each in its own process, results written to bench/RESULTS.md).

const BENCHES = ['api', 'runtime', 'pods', 'peers', 'scheduler', 'proxy', 'workloads', 'dns', 'ui', 'images', 'nodes', 'soak', 'report'] as const;

async function run(name: string, args: string[]): Promise<void> {
  const mod = (await import(`./${name}.js`)) as { main(args: string[]): Promise<void> };
  await mod.main(args);
}

async function main(argv: string[]): Promise<number> {
  const [name = 'all', ...args] = argv;
  const names = name === 'all' ? BENCHES.filter((b) => b !== 'report' && b !== 'soak') : [name];
  for (const n of names) {
    if (!(BENCHES as readonly string[]).includes(n)) {
      console.error(`unknown benchmark "${n}"; one of: ${BENCHES.join(', ')}, all`);
      return 2;
    }
    try {
      await run(n, args);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && name === 'all') {
        console.log(`bench ${n}: not built yet`);
        continue;
      }
      throw err;
    }
  }
  return 0;
}

main(process.argv.slice(2)).then((c) => (process.exitCode = c), (e) => {
  console.error(e);
  process.exitCode = 1;
});
