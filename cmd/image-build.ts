// `hyperkube image build`: builds an image from a Dockerfile into the image store the kubelet
// uses (--images-root, default the kubelet's), so a pod with imagePullPolicy Never or
// IfNotPresent runs it at once.
import { buildImage } from '../runtime/images/build/builder.js';
import { DEFAULT_IMAGE_ROOT } from '../runtime/images/index.js';

export const IMAGE_BUILD_USAGE = `usage: hyperkube image build [flags] CONTEXT

flags:
  -t, --tag NAME[:TAG]      name of the image (repeatable)
  -f, --file PATH           the Dockerfile (default CONTEXT/Dockerfile)
  --build-arg K=V           a build argument (repeatable); K alone takes the value from the environment
  --target STAGE            build up to this stage
  --no-cache                do not use the build cache
  --network none|bridge     network of RUN steps (default bridge; none = loopback only)
  -q, --quiet               print only the image id
  --images-root DIR         image store (default ${DEFAULT_IMAGE_ROOT}, the kubelet's)
  --state-dir DIR           where RUN containers' state goes (a temporary dir under it; default the OS temp dir)
  --containers-dir DIR      where RUN containers' snapshots go (default the store's scratch dir)
  --cgroup-root NAME        prefix of the build's own cgroup root (default tskube-build)`;

class UsageError extends Error {}

interface BuildFlags {
  tags: string[];
  file?: string;
  buildArgs: Record<string, string>;
  target?: string;
  noCache: boolean;
  network: 'none' | 'bridge';
  quiet: boolean;
  imagesRoot: string;
  stateDir?: string;
  containersDir?: string;
  cgroupRoot?: string;
  context?: string;
}

export function parseBuildFlags(argv: string[]): BuildFlags {
  const f: BuildFlags = { tags: [], buildArgs: {}, noCache: false, network: 'bridge', quiet: false, imagesRoot: DEFAULT_IMAGE_ROOT };
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    if (a.startsWith('--') && a.includes('=')) { inline = a.slice(a.indexOf('=') + 1); a = a.slice(0, a.indexOf('=')); }
    const val = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`flag needs an argument: ${a}`);
      return v;
    };
    switch (a) {
      case '-t': case '--tag': f.tags.push(val()); break;
      case '-f': case '--file': f.file = val(); break;
      case '--build-arg': {
        const kv = val();
        const eq = kv.indexOf('=');
        const k = eq < 0 ? kv : kv.slice(0, eq);
        if (!k) throw new UsageError(`invalid --build-arg ${JSON.stringify(kv)}`);
        if (eq >= 0) f.buildArgs[k] = kv.slice(eq + 1);
        else if (process.env[k] !== undefined) f.buildArgs[k] = process.env[k];
        break;
      }
      case '--target': f.target = val(); break;
      case '--no-cache': f.noCache = true; break;
      case '-q': case '--quiet': f.quiet = true; break;
      case '--network': {
        const n = val();
        if (n !== 'none' && n !== 'bridge') throw new UsageError(`--network must be none or bridge, not ${JSON.stringify(n)}`);
        f.network = n;
        break;
      }
      case '--images-root': f.imagesRoot = val(); break;
      case '--state-dir': f.stateDir = val(); break;
      case '--containers-dir': f.containersDir = val(); break;
      case '--cgroup-root': f.cgroupRoot = val(); break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown flag: ${a}`);
        positionals.push(a);
    }
  }
  if (positionals.length !== 1) throw new UsageError('"image build" requires exactly 1 argument (the context directory)');
  f.context = positionals[0];
  return f;
}

export async function imageBuildCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(IMAGE_BUILD_USAGE);
    return 0;
  }
  let f: BuildFlags;
  try {
    f = parseBuildFlags(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${IMAGE_BUILD_USAGE}`);
    return 2;
  }
  try {
    const r = await buildImage({
      imagesRoot: f.imagesRoot, contextDir: f.context!, dockerfile: f.file, tags: f.tags, buildArgs: f.buildArgs,
      target: f.target, noCache: f.noCache, network: f.network, stateDir: f.stateDir, containersDir: f.containersDir, cgroupRoot: f.cgroupRoot, out: f.quiet ? () => undefined : (s) => process.stdout.write(s),
    });
    if (f.quiet) console.log(r.id);
    return 0;
  } catch (e) {
    console.error(`Error: ${(e as Error).message}`);
    return 1;
  }
}
