// A sealed copy of the shim, made once and shared (see sealed.h).
//
// Why share: each copy is a memfd, i.e. shared memory the size of the binary (~1 MiB), held for
// as long as a process runs from it. A monitor lives as long as its container, so one copy per
// start cost every idle container ~0.8 MiB of PSS. A copy is never written after it is sealed
// (F_SEAL_WRITE|SHRINK|GROW|SEAL), so every start may run from the same one: /proc/<pid>/exe of
// a shim process inside a container still names an anonymous sealed file, never the host binary.
// The registry is only a hint: whatever it names is accepted only if it is sealed and has this
// binary's exact bytes, so a stale pid, a reused pid or another shim version just costs a copy.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sealed.h"
#include "util.h"

extern char **environ;

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define MARK "_TSKUBE_SHIM_SEALED"

// Set after the re-exec when this image is a copy this process made (not a shared one).
static int made_copy;

// 1 when fd is a sealed file with exactly the bytes of src (size sz).
static int same_sealed(int fd, int src, off_t sz) {
  struct stat st;
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (seals & SEALS) != SEALS || fstat(fd, &st) < 0 || st.st_size != sz || sz == 0) return 0;
  void *a = mmap(NULL, sz, PROT_READ, MAP_PRIVATE, fd, 0);
  void *b = mmap(NULL, sz, PROT_READ, MAP_PRIVATE, src, 0);
  int same = a != MAP_FAILED && b != MAP_FAILED && memcmp(a, b, sz) == 0;
  if (a != MAP_FAILED) munmap(a, sz);
  if (b != MAP_FAILED) munmap(b, sz);
  return same;
}

// The registered copy, open, if it can be used; else -1.
static int shared_copy(const char *registry, int src, off_t sz) {
  if (!registry) return -1;
  char buf[32], path[64];
  int rf = open(registry, O_RDONLY | O_CLOEXEC);
  if (rf < 0) return -1;
  ssize_t n = read(rf, buf, sizeof buf - 1);
  close(rf);
  if (n <= 0) return -1;
  buf[n] = 0;
  long pid = strtol(buf, NULL, 10);
  if (pid <= 1) return -1;
  snprintf(path, sizeof path, "/proc/%ld/exe", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  if (same_sealed(fd, src, sz)) return fd;
  close(fd);
  return -1;
}

void run_from_sealed_copy(char **argv, const char *registry) {
  const char *mark = getenv(MARK);
  if (mark) {
    made_copy = !strcmp(mark, "made");
    unsetenv(MARK);
    return;
  }
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0) die("open /proc/self/exe: %s", strerror(errno));
  struct stat st;
  if (fstat(src, &st) < 0) die("stat /proc/self/exe: %s", strerror(errno));
  int fd = shared_copy(registry, src, st.st_size);
  if (fd >= 0) {
    close(src);
    setenv(MARK, "shared", 1);
    fexecve(fd, argv, environ);
    die("fexecve shared sealed copy: %s", strerror(errno));
  }
  fd = memfd_create("tskube-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = memfd_create("tskube-shim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) die("memfd_create: %s", strerror(errno));
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(fd, src, NULL, left);
    if (n <= 0) die("copy shim to memfd: %s", strerror(errno));
    left -= n;
  }
  close(src);
  if (fcntl(fd, F_ADD_SEALS, SEALS) < 0) die("seal memfd: %s", strerror(errno));
  setenv(MARK, "made", 1);
  fexecve(fd, argv, environ);
  die("fexecve sealed copy: %s", strerror(errno));
}

void register_sealed_copy(const char *registry) {
  if (!made_copy || !registry) return;
  char buf[32];
  snprintf(buf, sizeof buf, "%d\n", getpid());
  write_atomic(registry, buf);
}
