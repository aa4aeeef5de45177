// The shim's config: the "key value" file the Node side writes (runtime/shim-config.ts).
#ifndef TSKUBE_SHIM_CONF_H
#define TSKUBE_SHIM_CONF_H

// Appends the "key value" lines of a file to the config (die()s if it cannot be read).
void load_conf(const char *path);
// Appends one entry (value kept, not copied): how the monitor adds keys of its own, e.g. "console".
void conf_add(const char *k, char *v);
// The first value of a key, or NULL.
const char *get(const char *k);
// The first value of a key as a number, or def when absent.
long geti(const char *k, long def);
// All values of a repeated key, NULL-terminated, in file order; free() the array (not the values).
char **getall(const char *k, int *count);
#endif
