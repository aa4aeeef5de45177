// The shim's config: one "key value" per line, keys may repeat (arrays), values escape "\" as "\\"
// and newline as "\n" (written by runtime/shim-config.ts; keys listed in README.md). Kept in memory
// as an array in file order, so get() returns the first value and getall() every value of a key.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "conf.h"
#include "util.h"

#define MAXV 512
typedef struct {
  char *key[MAXV * 4];
  char *val[MAXV * 4];
  int n;
} conf_t;

static conf_t C;

void load_conf(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("open %s: %s", path, strerror(errno));
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) >= 0) {
    if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
    if (len == 0) continue;
    char *sp = strchr(line, ' ');
    char *k = strndup(line, sp ? (size_t)(sp - line) : (size_t)len);
    char *raw = sp ? sp + 1 : line + len;
    char *v = malloc(strlen(raw) + 1), *o = v;
    for (char *p = raw; *p; p++) {
      if (*p == '\\' && p[1] == 'n') { *o++ = '\n'; p++; }
      else if (*p == '\\' && p[1] == '\\') { *o++ = '\\'; p++; }
      else *o++ = *p;
    }
    *o = 0;
    if (C.n >= MAXV * 4) die("config too long");
    C.key[C.n] = k;
    C.val[C.n] = v;
    C.n++;
  }
  free(line);
  fclose(f);
}

void conf_add(const char *k, char *v) {
  if (C.n >= MAXV * 4) die("config too long");
  C.key[C.n] = (char *)k;
  C.val[C.n++] = v;
}

const char *get(const char *k) {
  for (int i = 0; i < C.n; i++)
    if (!strcmp(C.key[i], k)) return C.val[i];
  return NULL;
}
long geti(const char *k, long def) {
  const char *v = get(k);
  return v ? strtol(v, NULL, 10) : def;
}
// All values of a repeated key, NULL-terminated (static storage per call site is avoided: malloc).
char **getall(const char *k, int *count) {
  char **out = calloc(C.n + 1, sizeof(char *));
  int n = 0;
  for (int i = 0; i < C.n; i++)
    if (!strcmp(C.key[i], k)) out[n++] = C.val[i];
  out[n] = NULL;
  if (count) *count = n;
  return out;
}

