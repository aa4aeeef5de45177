// `hyperkube image <command>`: the image commands (build here; the others join this dispatcher).
import { imageBuildCommand } from './image-build.js';

const USAGE = `usage: hyperkube image <command> [flags]

commands:
  build    build an image from a Dockerfile into the image store`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  build: imageBuildCommand,
};

export async function imageCommand(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  const run = commands[cmd];
  if (!run) {
    console.error(`hyperkube image: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  return run(rest);
}
