// The launch protocol of the daemon modes (start, pause): the process Node runs prints one line,
// "ok <pid>" or "err <message>", and exits 0 or 1 once the daemon has decided.
#ifndef TSKUBE_SHIM_LAUNCH_H
#define TSKUBE_SHIM_LAUNCH_H

// Double fork + setsid: returns in the daemon (reparented to init, cwd /, umask 022) with *syncfd
// the write end of the verdict pipe; never returns in the launcher, which relays the verdict.
void daemonize(int *syncfd);
// Writes the verdict ("ok <pid>\n" / "err <message>\n") for the launcher and closes syncfd.
void report(int syncfd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
