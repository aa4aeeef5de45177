#!/usr/bin/env -S node --max-semi-space-size=2
// hyperkube: every tskube component in one binary. `up` runs a one-machine cluster.

import { runUp } from './up.js';
import { runApiserver } from './apiserver.js';
import { runScheduler } from './scheduler.js';
import { runControllerManager } from './controller-manager.js';
import { runProxy } from './proxy.js';
import { runDns } from './dns.js';
import { runReset } from './reset.js';
import { runKubeconfig } from './kubeconfig.js';
import { runKubelet } from './kubelet.js';
import { runEtcdSnapshot } from './etcd-snapshot/cli.js';
import { runToken } from './token.js';
import { runJoin } from './join.js';
import { runtimeCli } from '../runtime/cli.js';
import { imageCli } from './image.js';
import { SUPERVISED_ENV } from './component-process.js';

const USAGE = `usage: hyperkube <command> [flags]

commands:
  up                  run etcd and every component for a one-machine cluster
  apiserver           run the apiserver against an existing etcd (--etcd-servers=...)
  scheduler           run the scheduler against an apiserver
  controller-manager  run the controllers (replication, endpoints, node lifecycle, gc, pod gc, namespace, events)
  proxy               program iptables for Services
  dns                 the cluster DNS (Services and pods by name; the rest forwarded)
  kubelet             run the pods bound to this node and static pods from a directory
  token               bootstrap tokens for joining nodes: create [--ttl D], list
  join                join this machine to a cluster as a node (--server URL --token TOKEN [--node-ip IP])
  kubeconfig          a kubeconfig with a new token for a user (--user NAME [--group G]...), or --revoke NAME
  etcd-snapshot       save, ls, rm and restore snapshots of the etcd of up (save [--name N] | ls | rm NAME | restore FILE)
  reset               stop \`up\` and the processes it started, and remove everything tskube created on this host
  runtime             the container runtime's debugging CLI (run, ps, exec, logs, stop, rm, images, pull, load, rmi)
  image               the image store (build, ls, inspect, history, tag, rm, prune, pull, push, load, save, commit, export, import)

Run 'hyperkube <command> --help' for the flags of a command.`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  up: runUp,
  apiserver: runApiserver,
  scheduler: runScheduler,
  'controller-manager': runControllerManager,
  proxy: runProxy,
  dns: runDns,
  kubelet: runKubelet,
  runtime: (argv) => runtimeCli(argv),
  image: (argv) => imageCli(argv),
  reset: runReset,
  kubeconfig: runKubeconfig,
  'etcd-snapshot': runEtcdSnapshot,
  token: runToken,
  join: runJoin,
};

/**
 * A component run by `up --multi-process` has a pipe from `up` as stdin that is never
 * written: when it ends, `up` is gone (even by kill -9), so this process stops as on SIGTERM.
 */
function stopWithSupervisor(): boolean {
  if (process.env[SUPERVISED_ENV] !== '1') return false;
  delete process.env[SUPERVISED_ENV];
  process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.resume();
  return true;
}

function quietOnEpipe(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

let supervised = false;
/** `up` exits once it has stopped everything, whatever handle a component left open. */
let exitWhenDone = false;

async function main(argv: string[]): Promise<number> {
  supervised = stopWithSupervisor();
  const [cmd, ...rest] = argv;
  exitWhenDone = supervised || cmd === 'up' || cmd === 'join';
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  // CLI output piped into `head` & co: a closed pipe ends the command quietly, as ls does.
  if (cmd === 'runtime' || cmd === 'image') quietOnEpipe();
  const run = commands[cmd];
  if (!run) {
    console.error(`hyperkube: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined && code !== -1) process.exitCode = code;
    // Stopped: exit now rather than wait on stdin or any handle a component left open.
    if (exitWhenDone) process.exit();
  },
  (err) => {
    console.error(`hyperkube: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
    if (exitWhenDone) process.exit();
  },
);
