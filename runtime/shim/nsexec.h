// Turning a shim process into a container process: cgroups, namespaces, root, identity, execve.
// Used by the container init (forked by the monitor) and by the exec mode's child.
#ifndef TSKUBE_SHIM_NSEXEC_H
#define TSKUBE_SHIM_NSEXEC_H

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// Joins every "cgroup" (a cgroup.procs path) of the config; fail()s on error.
void join_cgroups(void);
// /proc/sys/kernel/cap_last_cap (40 if unreadable); read before the root changes.
int last_cap(void);
// Keeps exactly the "cap" capabilities (bounding, effective, permitted, inheritable, ambient),
// switches to "gid"/"group"/"uid", sets no_new_privs unless "nnp 0".
void apply_identity(int lastcap);
// Soft RLIMIT_NOFILE = hard.
void set_rlimits(void);
// chdir to cwd resolved inside "/" (the container's root by now); create: make it if missing.
void chdir_in_root(const char *cwd, int create);
// execve with a PATH lookup in the container's environment; fail()s if nothing could run.
void exec_cmd(char **argv, char **envp) __attribute__((noreturn));
// The container init, in the child the monitor forked into the container's pid namespace: stdio
// (in/out/errw pipes, or tty_slave >= 0), cgroups, pod namespaces, new mount (+cgroup) namespace,
// root filesystem, identity, seccomp, execve. Errors go to fail_fd; never returns.
void container_init(int in, int out, int errw, int tty_slave);
#endif
