// `hyperkube image <sub>`: the image store's CLI (podman/docker image verbs) on the same global
// flags as `hyperkube runtime` (default: the kubelet's store). The handlers are in image-commands.ts.
import { GLOBAL_FLAGS_HELP, UsageError, takeGlobals, wantsHelp, type CliIO } from '../runtime/cli.js';
import { imageCommands, openImageContext } from './image-commands.js';
import { imageBuildCommand } from './image-build.js';

export const IMAGE_HELP: Record<string, string> = {
  build: 'build -t NAME[:TAG] [-f Dockerfile] [--build-arg K=V] [--target STAGE] [--no-cache] [--network none|bridge] [-q] CONTEXT\n  build an image from a Dockerfile into the image store',
  ls: 'ls [-q] [--digests]\n  list images: repository, tag, id, created, size (-q: ids only)',
  inspect: 'inspect NAME...\n  the images as JSON (config, rootfs, history)',
  history: 'history NAME\n  the layers and history entries of an image',
  tag: 'tag SOURCE TARGET\n  give an image another name (moved from the image that had it)',
  rm: 'rm [-f] NAME...\n  untag, and remove images no tag names any more (-f: by id, every tag)',
  prune: 'prune [-a]\n  remove untagged images no container uses (-a: every image no container uses)',
  pull: 'pull [-q] [--creds USER:PASS] [--authfile FILE] NAME\n  pull from a registry (progress per layer on stderr)',
  push: 'push [-q] [--creds USER:PASS] [--authfile FILE] [--chunk-size BYTES] NAME [DESTINATION]\n  push to a registry (Registry API v2; progress per layer on stderr)',
  load: 'load [-q] [-i FILE]\n  load a docker-archive or oci-archive (gzip or not) from FILE or stdin',
  save: 'save -o FILE [--format docker-archive|oci-archive] NAME...\n  write images to an archive (default docker-archive)',
  commit: 'commit [-a AUTHOR] [-m MESSAGE] CONTAINER [NAME]\n  a new image: the container\'s image plus its changes as one layer',
  export: 'export -o FILE CONTAINER\n  the container\'s root filesystem, flattened, as a tar',
  import: 'import [-m MESSAGE] FILE|- [NAME]\n  a root filesystem tarball (tar or tar.gz) as a one-layer image',
};

function usage(): string {
  return `usage: hyperkube image [global flags] <command> [flags]\n\ncommands:\n${Object.values(IMAGE_HELP).map((h) => `  ${h.split('\n')[0]}`).join('\n')}\n\n${GLOBAL_FLAGS_HELP}\n\nRun 'hyperkube image <command> --help' for one command.\n`;
}

const defaultIO: CliIO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export async function imageCli(argv: string[], io: CliIO = defaultIO, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  try {
    const { g, rest } = takeGlobals(argv);
    const [verb, ...args] = rest;
    if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
      (verb ? io.out : io.err)(usage());
      return verb ? 0 : 2;
    }
    // build parses every flag itself, the global ones included (cmd/image-build.ts).
    if (verb === 'build') return await imageBuildCommand([...argv.slice(0, argv.length - rest.length), ...args]);
    const run = imageCommands[verb];
    if (!run) throw new UsageError(`unknown command "${verb}" for "hyperkube image"; try: ${Object.keys(IMAGE_HELP).join(', ')}`);
    if (wantsHelp(verb, args, false)) {
      io.out(`usage: hyperkube image ${IMAGE_HELP[verb]}\n`);
      return 0;
    }
    const ctx = await openImageContext(g, io, stdin);
    try {
      return await run(ctx, args);
    } finally {
      await ctx.close();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`usage: ${e.message}\n`);
      return 2;
    }
    io.err(`error: ${(e as Error).message}\n`);
    return 1;
  }
}
