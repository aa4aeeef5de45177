// The container's seccomp filter, compiled with libseccomp (linked statically)
// from config lines the Node side derives from the profile (runtime/seccomp.ts
// does the JSON, the capability conditions and the defaults):
//   seccomp_default <action> <errno>
//   seccomp_arch <libseccomp arch name>
//   seccomp_rule <action> <errno> <syscall> [<index>:<op>:<value>:<valueTwo>]...
// action: allow errno kill kill_process trap trace log; errno -1 = EPERM;
// op: ne lt le eq ge gt me (masked equal). Syscalls this libseccomp does not
// know are skipped, as runc does.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include "conf.h"
#include "seccomp-filter.h"
#include "util.h"

static scmp_filter_ctx ctx;
// A compiled program from the cache (seccomp_cache <path>): libseccomp's compile of a ~400-rule,
// three-arch profile costs milliseconds per start, loading a cached BPF program microseconds.
static struct sock_fprog cached;

static uint32_t action(const char *a, long e) {
  int err = e < 0 ? 1 /* EPERM */ : (int)e;
  if (!strcmp(a, "allow")) return SCMP_ACT_ALLOW;
  if (!strcmp(a, "errno")) return SCMP_ACT_ERRNO(err);
  if (!strcmp(a, "kill")) return SCMP_ACT_KILL;
  if (!strcmp(a, "kill_process")) return SCMP_ACT_KILL_PROCESS;
  if (!strcmp(a, "trap")) return SCMP_ACT_TRAP;
  if (!strcmp(a, "trace")) return SCMP_ACT_TRACE(err);
  if (!strcmp(a, "log")) return SCMP_ACT_LOG;
  errno = EINVAL;
  fail("seccomp action %s", a);
}

static enum scmp_compare op(const char *o) {
  static const struct { const char *n; enum scmp_compare c; } ops[] = {
      {"ne", SCMP_CMP_NE}, {"lt", SCMP_CMP_LT}, {"le", SCMP_CMP_LE}, {"eq", SCMP_CMP_EQ},
      {"ge", SCMP_CMP_GE}, {"gt", SCMP_CMP_GT}, {"me", SCMP_CMP_MASKED_EQ}};
  for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (!strcmp(o, ops[i].n)) return ops[i].c;
  errno = EINVAL;
  fail("seccomp operator %s", o);
}

static void add_rule(char *line, uint32_t def) {
  char *save = NULL, *a = strtok_r(line, " ", &save), *e = strtok_r(NULL, " ", &save), *name = strtok_r(NULL, " ", &save);
  if (!a || !e || !name) {
    errno = EINVAL;
    fail("seccomp rule");
  }
  uint32_t act = action(a, strtol(e, NULL, 10));
  // libseccomp refuses a rule that repeats the default action; it changes nothing anyway.
  if (act == def) return;
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return;
  struct scmp_arg_cmp args[6];
  int n = 0, dup = 0;
  unsigned seen = 0;
  for (char *t; n < 6 && (t = strtok_r(NULL, " ", &save));) {
    unsigned idx;
    char o[8];
    unsigned long long v, v2;
    if (sscanf(t, "%u:%7[a-z]:%llu:%llu", &idx, o, &v, &v2) != 4 || idx > 5) {
      errno = EINVAL;
      fail("seccomp argument %s of %s", t, name);
    }
    if (seen & (1u << idx)) dup = 1;
    seen |= 1u << idx;
    args[n++] = (struct scmp_arg_cmp){.arg = idx, .op = op(o), .datum_a = v, .datum_b = v2};
  }
  int r;
  if (!dup) r = seccomp_rule_add_array(ctx, act, nr, n, args);
  else {
    // Two conditions on one argument cannot be one libseccomp rule: one rule each (OR), as runc does.
    r = 0;
    for (int i = 0; i < n && r == 0; i++) r = seccomp_rule_add_array(ctx, act, nr, 1, &args[i]);
  }
  if (r < 0) {
    errno = -r;
    fail("seccomp rule for %s", name);
  }
}

static int load_cached(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) || st.st_size > 65536 * (off_t)sizeof(struct sock_filter)) {
    close(fd);
    return 0;
  }
  struct sock_filter *prog = malloc(st.st_size);
  ssize_t n = read(fd, prog, st.st_size);
  close(fd);
  if (n != st.st_size) {
    free(prog);
    return 0;
  }
  cached.len = st.st_size / sizeof(struct sock_filter);
  cached.filter = prog;
  return 1;
}

static void store_cached(const char *path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp%d", path, getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;
  int r = seccomp_export_bpf(ctx, fd);
  close(fd);
  if (r < 0 || rename(tmp, path) < 0) unlink(tmp);
}

int seccomp_prepare(void) {
  const char *profile = get("seccomp_profile");
  const char *cache = get("seccomp_cache");
  if (profile) {
    if (cache && load_cached(cache)) return 1;
    // Never run unfiltered because the profile went missing: refuse to start.
    if (access(profile, R_OK) < 0) fail("seccomp profile %s", profile);
    load_conf(profile);
  }
  const char *d = get("seccomp_default");
  if (!d) {
    if (profile) {
      errno = EINVAL;
      fail("seccomp profile %s has no seccomp_default", profile);
    }
    return 0;
  }
  char da[32];
  long de = -1;
  if (sscanf(d, "%31s %ld", da, &de) < 1) {
    errno = EINVAL;
    fail("seccomp_default %s", d);
  }
  uint32_t def = action(da, de);
  ctx = seccomp_init(def);
  if (!ctx) {
    errno = ENOMEM;
    fail("seccomp_init");
  }
  // no_new_privs is the shim's own decision (apply_identity), not libseccomp's.
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  char **arches = getall("seccomp_arch", NULL);
  for (int i = 0; arches[i]; i++) {
    uint32_t a = seccomp_arch_resolve_name(arches[i]);
    if (a == 0) continue;
    int r = seccomp_arch_add(ctx, a);
    if (r < 0 && r != -EEXIST) {
      errno = -r;
      fail("seccomp arch %s", arches[i]);
    }
  }
  free(arches);
  char **rules = getall("seccomp_rule", NULL);
  for (int i = 0; rules[i]; i++) {
    char *copy = strdup(rules[i]);
    add_rule(copy, def);
    free(copy);
  }
  free(rules);
  if (cache) store_cached(cache);
  return 1;
}

void seccomp_install(void) {
  if (cached.filter) {
    // The same flags as libseccomp's load without NNP/TSYNC: plain SECCOMP_SET_MODE_FILTER.
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &cached) < 0) fail("load seccomp filter");
    return;
  }
  if (!ctx) return;
  int r = seccomp_load(ctx);
  if (r < 0) {
    errno = -r;
    fail("load seccomp filter");
  }
}
