// The container's root filesystem, built in its private mount namespace (no host mount at all).
#ifndef TSKUBE_SHIM_ROOTFS_H
#define TSKUBE_SHIM_ROOTFS_H

// mount(2) or fail().
void mnt(const char *src, const char *dst, const char *type, unsigned long fl, const char *data);
// Mounts the overlay ("lower"/"upper"/"work") on root, then /proc, /dev (tmpfs + nodes, devpts,
// shm, mqueue; the host's when privileged), /sys, /sys/fs/cgroup and every "mount" bind, each
// target resolved inside root (safepath.c).
void setup_rootfs(const char *root, int privileged);
// pivot_root into root and detach the old root.
void pivot(const char *root);
// runc's masked paths (tmpfs or /dev/null over them) and read-only /proc paths; after pivot.
void mask_paths(void);
#endif
