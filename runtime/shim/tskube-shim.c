// tskube-shim: the single-threaded helper the Node runtime uses for everything
// that must happen in a fresh process (Node is multithreaded, so it cannot
// unshare/setns itself).  One static binary, several modes:
//
//   tskube-shim start <conf>   daemonize as the container's monitor: clone the
//                              container init (new mount+pid ns, joins the
//                              pod's net/ipc/uts), keep its stdio, write CRI
//                              logs, record the exit status, then exit.
//                              (monitor.c, nsexec.c, rootfs.c, crilog.c, attach.c)
//   tskube-shim pause <conf>   daemonize as the pod's pause process holding
//                              new net/ipc/uts namespaces.  (pause.c)
//   tskube-shim exec <conf>    enter a running container (all namespaces,
//                              cgroups, same caps/uid) and run a command,
//                              relaying stdio (and a pty when asked).  (exec.c)
//   tskube-shim portforward <netns> <port>
//                              connect to 127.0.0.1:<port> inside a netns and
//                              relay stdin/stdout.  (portforward.c)
//
// Launch modes print one line on stdout: "ok <pid>" or "err <message>" (launch.c).
// The config file is written by the Node side: one "key value" per line,
// value escaped with \n and \\ (conf.c; runtime/shim-config.ts).
// README.md beside this file draws the process tree and the protocol with Node.
// This file: main(); the CVE-2019-5736 re-exec from a sealed copy is in sealed.c.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include "conf.h"
#include "modes.h"
#include "sealed.h"
#include "util.h"

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "portforward")) return mode_portforward(argv[2], atoi(argv[3]));
  if (argc >= 2 && !strcmp(argv[1], "pause-idle")) return mode_pause_idle();
  if (argc < 3) {
    fprintf(stderr, "usage: tskube-shim start|pause|exec <conf> | portforward <netns> <port>\n");
    return 2;
  }
  if (!strcmp(argv[1], "start") || !strcmp(argv[1], "exec")) {
    // CVE-2019-5736: these modes put a process of this binary inside a container before execve.
    // Run from a sealed memfd copy (so /proc/<pid>/exe never names the host file; one copy shared
    // by all, sealed.c) and not dumpable (so a container process cannot open /proc/<pid>/exe or
    // /proc/<pid>/fd at all). The config names where the shared copy is registered; the
    // re-executed image reads it again.
    load_conf(argv[2]);
    run_from_sealed_copy(argv, get("sealed_copy"));
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  } else {
    load_conf(argv[2]);
  }
  if (!strcmp(argv[1], "start")) return mode_start();
  if (!strcmp(argv[1], "pause")) return mode_pause(argv[2]);
  if (!strcmp(argv[1], "exec")) return mode_exec();
  fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
