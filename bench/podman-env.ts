// A private podman for the peers bench: its own --root/--runroot, containers.conf (CONTAINERS_CONF),
// CNI config dir with one network on its own bridge and subnet, IPAM dir, and two local images
// (busybox from the host's static binary, a tiny static pause as the infra image), so nothing
// of the host's podman (or anyone else's) is touched; `remove()` takes all of it away again.
//
// Why this configuration (measured here, podman 4.3.1): root lacks CAP_SYS_RESOURCE and the hard
// RLIMIT_NPROC is below podman's default, so every container fails with "error setting rlimit
// type 6"; `default_ulimits` in containers.conf lowers nproc/nofile for every container kube play
// makes. crun refuses cgroup v1 hybrid, so runc. The infra image needs catatonit, not installed:
// a local pause image instead. No journald: events_logger none, k8s-file logs.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildBusyboxRoot } from '../testing/runtime-env.js';

const execFileP = promisify(execFile);

export const PODMAN_BUSYBOX = 'localhost/tkbench-busybox';

export interface PodmanEnv {
  root: string;
  network: string;
  bridge: string;
  /** Runs podman with the private root and config; rejects with stderr on a non-zero exit. */
  podman(args: string[], input?: string): Promise<string>;
  remove(): Promise<void>;
}

function freeSubnet(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (;;) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!routes.includes(`172.29.${x}.`)) return `172.29.${x}`;
  }
}

export function createPodmanEnv(dir: string, tag: string): PodmanEnv {
  const root = join(dir, 'podman');
  const network = `tkpm${tag}`;
  const bridge = `tkpm${tag}br`;
  const net = freeSubnet();
  for (const d of ['root', 'run', 'tmp', 'net.d', 'ipam', 'busybox', 'pause']) mkdirSync(join(root, d), { recursive: true });
  const conf = join(root, 'containers.conf');
  writeFileSync(conf, [
    '[containers]',
    'default_ulimits = ["nproc=4096:4096", "nofile=1024:1024"]',
    'log_driver = "k8s-file"',
    '[network]',
    'network_backend = "cni"',
    `network_config_dir = "${join(root, 'net.d')}"`,
    // The default network is never used (every play names ours), but must not be cni-podman0's.
    `default_network = "${network}"`,
    '[engine]',
    'runtime = "runc"',
    `tmp_dir = "${join(root, 'tmp')}"`,
    'events_logger = "none"',
    'cgroup_manager = "cgroupfs"',
    `infra_image = "localhost/tkbench-pause"`,
    '',
  ].join('\n'));
  writeFileSync(join(root, 'net.d', `${network}.conflist`), JSON.stringify({
    cniVersion: '0.4.0',
    name: network,
    plugins: [
      { type: 'bridge', bridge, isGateway: true, ipMasq: true, hairpinMode: true,
        ipam: { type: 'host-local', dataDir: join(root, 'ipam'), routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: `${net}.0/24`, gateway: `${net}.1` }]] } },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'firewall', backend: '' },
      { type: 'tuning' },
    ],
  }));
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const base = ['--root', join(root, 'root'), '--runroot', join(root, 'run')];
  const podman = async (args: string[], input?: string): Promise<string> => {
    if (input === undefined) return (await execFileP('podman', [...base, ...args], { env, maxBuffer: 16 << 20 })).stdout;
    // kube play reads the manifest from stdin ('-').
    return new Promise((resolve, reject) => {
      const c = execFile('podman', [...base, ...args], { env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`podman ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
      c.stdin!.end(input);
    });
  };
  // Images: a full busybox root (as tskube's pods get) and the pause binary.
  buildBusyboxRoot(join(root, 'busybox'));
  const pauseSrc = join(root, 'pause.c');
  writeFileSync(pauseSrc, '#include <signal.h>\n#include <unistd.h>\nstatic void bye(int s){(void)s;_exit(0);}\nint main(void){signal(SIGTERM,bye);signal(SIGINT,bye);for(;;)pause();}\n');
  execFileSync('gcc', ['-O2', '-static', '-o', join(root, 'pause', 'pause'), pauseSrc]);
  const tarOf = (d: string) => execFileSync('tar', ['-C', d, '-c', '.'], { maxBuffer: 64 << 20 });
  execFileSync('podman', [...base, 'import', '--change', 'ENV=PATH=/bin', '-', PODMAN_BUSYBOX], { env, input: tarOf(join(root, 'busybox')), stdio: ['pipe', 'ignore', 'pipe'] });
  execFileSync('podman', [...base, 'import', '--change', 'CMD=["/pause"]', '-', 'localhost/tkbench-pause'], { env, input: tarOf(join(root, 'pause')), stdio: ['pipe', 'ignore', 'pipe'] });
  return {
    root, network, bridge, podman,
    async remove() {
      await podman(['pod', 'rm', '-f', '-a', '-t', '0']).catch(() => '');
      await podman(['rm', '-f', '-a', '-t', '0']).catch(() => '');
      await podman(['rmi', '-f', '-a']).catch(() => '');
      // Overlay mounts left by a killed play would keep rm -rf from finishing.
      const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(root));
      for (const m of mounts.reverse()) execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
