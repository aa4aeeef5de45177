// A crictl-like debugging CLI over the runtime and the image store alone
// (wired by the lead as `hyperkube runtime ...`).
//
//   [global flags] run [--rm] [-d] [--name N] [--memory BYTES] [--cpus N] [--pids N]
//                      [-p HOST:CONTAINER] [-e K=V] [--privileged] IMAGE [-- CMD ARGS...]
//   ps [-a] | exec [-t] [-i] ID CMD... | logs [-f] ID | stop [-t SECS] ID... | rm [-f] ID...
//   images | pull REF | load FILE | rmi REF
// global flags: --state-dir D  --containers-dir D  --images-root D  --cgroup-root NAME  --log-dir D
//               --pod-cidr CIDR [--bridge NAME] [--network-state-dir D] [--chain-prefix P]   (pod networking; needed for -p)
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ContainerConfig, LinuxResources, PodSandboxConfig, PortMapping } from './cri.js';
import type { ImageService, PullProgress } from './images/types.js';
import { createImageService } from './images/index.js';
import { createPodNetwork } from './network/index.js';
import { Runtime, type RuntimeOptions } from './runtime.js';

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIO: CliIO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Label on sandboxes created by `run`, so `rm` can remove them with their container. */
const CLI_LABEL = 'tskube.io/runtime-cli';

export interface Globals {
  stateDir?: string;
  containersDir?: string;
  imagesRoot?: string;
  cgroupRoot?: string;
  logDir: string;
  podCidr?: string;
  bridge?: string;
  networkStateDir?: string;
  chainPrefix?: string;
}

export class UsageError extends Error {}

export function takeGlobals(argv: string[]): { g: Globals; rest: string[] } {
  const g: Globals = { logDir: '/var/log/pods' };
  const rest = [...argv];
  const flags: Record<string, keyof Globals> = { '--state-dir': 'stateDir', '--containers-dir': 'containersDir', '--images-root': 'imagesRoot', '--cgroup-root': 'cgroupRoot', '--log-dir': 'logDir', '--pod-cidr': 'podCidr', '--bridge': 'bridge', '--network-state-dir': 'networkStateDir', '--chain-prefix': 'chainPrefix' };
  // Both `--flag value` and `--flag=value`, as the other hyperkube commands take them.
  const name = (a: string) => a.split('=')[0];
  while (rest.length && flags[name(rest[0])]) {
    const arg = rest.shift()!;
    const k = flags[name(arg)];
    const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : rest.shift();
    if (!v) throw new UsageError(`missing value for ${k}`);
    g[k] = v;
  }
  return { g, rest };
}

/** Decodes CRI log lines into (stream, text) pieces. */
export function decodeCriLog(text: string): { stream: 'stdout' | 'stderr'; text: string }[] {
  const out: { stream: 'stdout' | 'stderr'; text: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\S+ (stdout|stderr) (F|P) (.*)$/.exec(line);
    if (m) out.push({ stream: m[1] as 'stdout' | 'stderr', text: m[3] + (m[2] === 'F' ? '\n' : '') });
  }
  return out;
}

/** Follows a CRI log file from offset; returns the new offset and emits complete lines. */
function pumpLog(path: string, offset: number, io: CliIO): number {
  if (!existsSync(path)) return offset;
  const size = statSync(path).size;
  if (size < offset) offset = 0; // rotated
  if (size === offset) return offset;
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(size - offset);
  readSync(fd, buf, 0, buf.length, offset);
  closeSync(fd);
  const text = buf.toString('utf8');
  const end = text.lastIndexOf('\n') + 1; // only whole lines
  for (const p of decodeCriLog(text.slice(0, end))) (p.stream === 'stdout' ? io.out : io.err)(p.text);
  return offset + Buffer.byteLength(text.slice(0, end));
}

export const GLOBAL_FLAGS_HELP = `global flags (before the command):
  --images-root DIR        image store (default /var/lib/tskube/images, the kubelet's)
  --state-dir DIR          runtime state (default /run/tskube)
  --containers-dir DIR     container roots (default /var/lib/tskube/containers)
  --cgroup-root NAME       cgroup parent (default tskube)
  --log-dir DIR            pod logs for run (default /var/log/pods)
  --pod-cidr CIDR [--bridge NAME] [--network-state-dir DIR] [--chain-prefix P]   pod networking (for -p)`;

const RUNTIME_HELP: Record<string, string> = {
  run: 'run [--rm] [-d] [--name N] [--memory BYTES] [--cpus N] [--pids N] [-p HOST:CONTAINER] [-e K=V] [--privileged] IMAGE [-- CMD ARGS...]\n  run a container in a pod sandbox of its own; without -d, wait and print its output',
  ps: 'ps [-a]\n  list running containers (-a: all)',
  exec: 'exec [-t] [-i] ID CMD...\n  run a command in a running container',
  logs: 'logs [-f] ID\n  print (and follow) a container\'s log',
  stop: 'stop [-t SECS] ID...\n  stop containers (SIGTERM, then SIGKILL after SECS, default 10)',
  rm: 'rm [-f] ID...\n  remove containers (-f: running ones too)',
  images: 'images\n  list images (see also: hyperkube image ls)',
  pull: 'pull [-q] REF\n  pull an image from a registry (progress per layer on stderr unless -q)',
  load: 'load FILE\n  load a docker-archive or OCI archive/layout',
  rmi: 'rmi REF\n  remove an image',
};

function runtimeUsage(): string {
  return `usage: hyperkube runtime [global flags] <command> [flags]\n\ncommands:\n${Object.values(RUNTIME_HELP).map((h) => `  ${h.split('\n')[0]}`).join('\n')}\n\n${GLOBAL_FLAGS_HELP}\n`;
}

/** `--help`/`-h` as a command's first argument (or anywhere before `--` for commands that take no command line). */
export function wantsHelp(verb: string, args: string[], takesCommand: boolean): boolean {
  if (args[0] === '--help' || args[0] === '-h') return true;
  if (takesCommand) return false;
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export async function runtimeCli(argv: string[], io: CliIO = defaultIO): Promise<number> {
  try {
    const { g, rest } = takeGlobals(argv);
    const [verb, ...args] = rest;
    if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
      (verb ? io.out : io.err)(runtimeUsage());
      return verb ? 0 : 2;
    }
    if (RUNTIME_HELP[verb] && wantsHelp(verb, args, verb === 'run' || verb === 'exec')) {
      io.out(`usage: hyperkube runtime ${RUNTIME_HELP[verb]}\n`);
      return 0;
    }
    let images: ImageService | undefined;
    const img = async () => (images ??= await createImageService(g.imagesRoot ? { root: g.imagesRoot } : {}));
    const runtime = async () => openRuntime(g, await img());
    switch (verb) {
      case 'run':
        return await cmdRun(await runtime(), g, args, io);
      case 'ps':
        return await cmdPs(await runtime(), args, io);
      case 'exec':
        return await cmdExec(await runtime(), args, io);
      case 'logs':
        return await cmdLogs(await runtime(), args, io);
      case 'stop': {
        const rt = await runtime();
        let t = 10;
        if (args[0] === '-t') {
          t = Number(args[1]);
          args.splice(0, 2);
        }
        for (const a of args) {
          const id = await findContainer(rt, a);
          await rt.stopContainer(id, t);
          io.out(`${id.slice(0, 12)}\n`);
        }
        return 0;
      }
      case 'rm': {
        const rt = await runtime();
        const force = args[0] === '-f';
        for (const a of force ? args.slice(1) : args) {
          const id = await findContainer(rt, a);
          const st = await rt.containerStatus(id);
          if (st.state === 'CONTAINER_RUNNING' && !force) throw new Error(`container ${a} is running (stop it or use rm -f)`);
          await removeWithCliSandbox(rt, id);
          io.out(`${id.slice(0, 12)}\n`);
        }
        return 0;
      }
      case 'images': {
        const list = await (await img()).listImages();
        io.out(`${'IMAGE ID'.padEnd(14)}${'SIZE'.padEnd(12)}TAGS\n`);
        for (const i of list) io.out(`${i.id.slice(7, 19).padEnd(14)}${String(i.size).padEnd(12)}${i.repoTags.join(',') || '<none>'}\n`);
        return 0;
      }
      case 'pull': {
        const quiet = args[0] === '-q';
        const ref = quiet ? args[1] : args[0];
        if (!ref) throw new UsageError('pull [-q] REF');
        const r = await (await img()).pullImage(ref, { onProgress: quiet ? undefined : pullProgressPrinter(io) });
        io.out(`${r.id}\n`);
        return 0;
      }
      case 'load': {
        if (!args[0]) throw new UsageError('load FILE');
        for (const r of await (await img()).loadArchive(args[0])) io.out(`Loaded ${r.repoTags.join(',') || r.id}\n`);
        return 0;
      }
      case 'rmi': {
        if (!args[0]) throw new UsageError('rmi REF');
        const rt = await runtime();
        const inUse = new Set((await rt.listContainers()).map((c) => c.imageRef));
        await (await img()).removeImage(args[0], { inUse: (id) => inUse.has(id) });
        io.out(`Deleted ${args[0]}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${verb ?? ''}; try run, ps, exec, logs, stop, rm, images, pull, load, rmi`);
    }
  } catch (e) {
    io.err(`${e instanceof UsageError ? 'usage: ' : 'error: '}${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

/** The runtime on the global flags' directories (busybox built on first use). */
export function openRuntime(g: Globals, service: ImageService): Runtime {
  // The offline busybox image is built on first use.
  const resolver: Pick<ImageService, 'resolve'> = {
    resolve: async (ref) => {
      if (/^(docker\.io\/)?(library\/)?busybox(:latest)?$/.test(ref) && !(await service.imageStatus(ref))) await service.ensureBusybox();
      return service.resolve(ref);
    },
  };
  const network = g.podCidr ? createPodNetwork({ podCIDR: g.podCidr, bridgeName: g.bridge, stateDir: g.networkStateDir, chainPrefix: g.chainPrefix }) : undefined;
  const o: RuntimeOptions = { images: resolver, network, stateDir: g.stateDir, containersDir: g.containersDir, cgroupRoot: g.cgroupRoot };
  return new Runtime(o);
}

/** Per-layer pull progress lines (`<digest12>: Downloading 3.0 MiB / 9.1 MiB`, `Pull complete`, `Already exists`). */
export function pullProgressPrinter(io: CliIO): (p: PullProgress) => void {
  return (p) => {
    const d = p.digest?.replace(/^sha256:/, '').slice(0, 12) ?? '';
    if (p.phase === 'resolving') io.err(`Resolved ${p.ref} to ${p.digest}\n`);
    else if (p.phase === 'layer') {
      if (p.skipped) io.err(`${d}: Already exists\n`);
      else if (p.current !== undefined && p.current === p.total) io.err(`${d}: Pull complete\n`);
      else io.err(`${d}: Downloading ${mib(p.current ?? 0)} / ${mib(p.total ?? 0)}\n`);
    } else if (p.phase === 'done') io.err(`Image id ${p.digest}\n`);
  };
}

export function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

export async function findContainer(rt: Runtime, ref: string): Promise<string> {
  const all = await rt.listContainers();
  const hits = all.filter((c) => c.id.startsWith(ref) || c.metadata.name === ref);
  if (hits.length === 0) throw new Error(`no such container ${ref}`);
  if (hits.length > 1) throw new Error(`ambiguous container ${ref}`);
  return hits[0].id;
}

async function removeWithCliSandbox(rt: Runtime, id: string): Promise<void> {
  const st = await rt.containerStatus(id);
  await rt.removeContainer(id);
  const sb = (await rt.listPodSandbox({ id: st.podSandboxId }))[0];
  if (sb?.labels[CLI_LABEL] && (await rt.listContainers({ podSandboxId: sb.id })).length === 0) await rt.removePodSandbox(sb.id);
}

async function cmdRun(rt: Runtime, g: Globals, args: string[], io: CliIO): Promise<number> {
  let rm = false, detach = false, privileged = false, name = '';
  const res: LinuxResources = {};
  const ports: PortMapping[] = [];
  const env: { key: string; value: string }[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    const val = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--rm') rm = true;
    else if (a === '-d') detach = true;
    else if (a === '--privileged') privileged = true;
    else if (a === '--name') name = val();
    else if (a === '--memory') res.memoryLimitBytes = Number(val());
    else if (a === '--pids') res.pidsLimit = Number(val());
    else if (a === '--cpus') {
      const cpus = Number(val());
      res.cpuPeriod = 100_000;
      res.cpuQuota = Math.round(cpus * 100_000);
      res.cpuShares = Math.max(2, Math.round(cpus * 1024));
    } else if (a === '-p') {
      const [h, c] = val().split(':');
      ports.push({ hostPort: Number(h), containerPort: Number(c), protocol: 'TCP' });
    } else if (a === '-e') {
      const kv = val();
      const eq = kv.indexOf('=');
      env.push({ key: eq < 0 ? kv : kv.slice(0, eq), value: eq < 0 ? process.env[kv] ?? '' : kv.slice(eq + 1) });
    } else if (a.startsWith('-')) throw new UsageError(`unknown flag ${a}`);
    else break;
  }
  const image = args[i];
  if (!image) throw new UsageError('run [flags] IMAGE [-- CMD ARGS...]');
  if (ports.length && !g.podCidr) throw new UsageError('-p needs pod networking: pass --pod-cidr CIDR (and --bridge NAME)');
  let cmd = args.slice(i + 1);
  if (cmd[0] === '--') cmd = cmd.slice(1);
  name ||= `run-${randomBytes(3).toString('hex')}`;
  const uid = randomBytes(8).toString('hex');
  const logDirectory = join(g.logDir, `default_${name}_${uid}`);
  const sbConfig: PodSandboxConfig = { metadata: { name, namespace: 'default', uid }, logDirectory, portMappings: ports, labels: { [CLI_LABEL]: 'true' } };
  const sb = await rt.runPodSandbox(sbConfig);
  let id: string;
  try {
    const cfg: ContainerConfig = { metadata: { name }, image, command: cmd.length ? cmd : undefined, env, logPath: `${name}/0.log`, resources: res, securityContext: { privileged } };
    id = await rt.createContainer(sb, cfg, sbConfig);
    await rt.startContainer(id);
  } catch (e) {
    await rt.removePodSandbox(sb);
    throw e;
  }
  if (detach) {
    io.out(`${id}\n`);
    return 0;
  }
  const log = join(logDirectory, name, '0.log');
  let offset = 0;
  let exited = false;
  while (!exited) {
    exited = await rt.waitExit(id, 100);
    offset = pumpLog(log, offset, io);
  }
  const code = (await rt.containerStatus(id)).exitCode;
  if (rm) await removeWithCliSandbox(rt, id);
  return code;
}

async function cmdPs(rt: Runtime, args: string[], io: CliIO): Promise<number> {
  const all = args.includes('-a');
  const list = await rt.listContainers(all ? undefined : { state: 'CONTAINER_RUNNING' });
  io.out(`${'CONTAINER'.padEnd(14)}${'NAME'.padEnd(20)}${'STATE'.padEnd(10)}${'EXIT'.padEnd(6)}${'POD'.padEnd(14)}IMAGE\n`);
  for (const c of list.sort((a, b) => a.createdAt - b.createdAt)) {
    const st = await rt.containerStatus(c.id);
    io.out(`${c.id.slice(0, 12).padEnd(14)}${c.metadata.name.slice(0, 19).padEnd(20)}${st.state.replace('CONTAINER_', '').padEnd(10)}${(st.state === 'CONTAINER_EXITED' ? String(st.exitCode) : '').padEnd(6)}${c.podSandboxId.slice(0, 12).padEnd(14)}${c.image}\n`);
  }
  return 0;
}

async function cmdExec(rt: Runtime, args: string[], io: CliIO): Promise<number> {
  let tty = false, stdin = false, i = 0;
  for (; i < args.length && args[i].startsWith('-'); i++) {
    if (args[i] === '-t') tty = true;
    else if (args[i] === '-i') stdin = true;
    else if (args[i] === '-it' || args[i] === '-ti') tty = stdin = true;
    else throw new UsageError(`unknown flag ${args[i]}`);
  }
  const ref = args[i];
  let cmd = args.slice(i + 1);
  if (cmd[0] === '--') cmd = cmd.slice(1);
  if (!ref || cmd.length === 0) throw new UsageError('exec [-t] [-i] ID CMD...');
  const id = await findContainer(rt, ref);
  const s = await rt.exec({ containerId: id, cmd, tty, stdin });
  s.stdout?.on('data', (d: Buffer) => io.out(d.toString()));
  s.stderr?.on('data', (d: Buffer) => io.err(d.toString()));
  if (stdin && s.stdin) process.stdin.pipe(s.stdin);
  if (tty && process.stdout.isTTY) s.resize({ width: process.stdout.columns, height: process.stdout.rows });
  const code = await s.wait();
  if (stdin) process.stdin.unpipe();
  return code;
}

async function cmdLogs(rt: Runtime, args: string[], io: CliIO): Promise<number> {
  const follow = args[0] === '-f';
  const ref = follow ? args[1] : args[0];
  if (!ref) throw new UsageError('logs [-f] ID');
  const id = await findContainer(rt, ref);
  const st = await rt.containerStatus(id);
  if (!st.logPath) throw new Error(`container ${ref} has no log`);
  let offset = pumpLog(st.logPath, 0, io);
  while (follow && !(await rt.waitExit(id, 200))) offset = pumpLog(st.logPath, offset, io);
  if (follow) pumpLog(st.logPath, offset, io);
  return 0;
}
