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
// This file: the CVE-2019-5736 re-exec from a sealed copy, and main().
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "conf.h"
#include "modes.h"
#include "util.h"

extern char **environ;

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static void run_from_sealed_copy(char **argv) {
  const char *mark = getenv("_TSKUBE_SHIM_SEALED");
  if (mark && !strcmp(mark, "1")) {
    unsetenv("_TSKUBE_SHIM_SEALED");
    return;
  }
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0) die("open /proc/self/exe: %s", strerror(errno));
  int mfd = memfd_create("tskube-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL) mfd = memfd_create("tskube-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) die("memfd_create: %s", strerror(errno));
  struct stat st;
  if (fstat(src, &st) < 0) die("stat /proc/self/exe: %s", strerror(errno));
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(mfd, src, NULL, left);
    if (n <= 0) die("copy shim to memfd: %s", strerror(errno));
    left -= n;
  }
  close(src);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) die("seal memfd: %s", strerror(errno));
  setenv("_TSKUBE_SHIM_SEALED", "1", 1);
  fexecve(mfd, argv, environ);
  die("fexecve sealed copy: %s", strerror(errno));
}

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "portforward")) return mode_portforward(argv[2], atoi(argv[3]));
  if (argc < 3) {
    fprintf(stderr, "usage: tskube-shim start|pause|exec <conf> | portforward <netns> <port>\n");
    return 2;
  }
  if (!strcmp(argv[1], "start") || !strcmp(argv[1], "exec")) {
    // CVE-2019-5736: these modes put a process of this binary inside a container before execve.
    // Run from a sealed memfd copy (so /proc/<pid>/exe never names the host file) and not dumpable
    // (so a container process cannot open /proc/<pid>/exe or /proc/<pid>/fd at all).
    run_from_sealed_copy(argv);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  }
  load_conf(argv[2]);
  if (!strcmp(argv[1], "start")) return mode_start();
  if (!strcmp(argv[1], "pause")) return mode_pause();
  if (!strcmp(argv[1], "exec")) return mode_exec();
  fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
