// The CVE-2019-5736 defence: start and exec run from a sealed memfd copy of this binary, shared
// between the shim processes that live on (monitors) instead of one copy each.
#ifndef TSKUBE_SHIM_SEALED_H
#define TSKUBE_SHIM_SEALED_H

// Re-executes this process from a sealed copy unless it already runs from one. registry (may be
// NULL): a file naming the pid of a monitor whose executable is such a copy; when that copy is
// sealed and byte for byte this binary, it is executed instead of making a new one.
void run_from_sealed_copy(char **argv, const char *registry);
// In a long-lived process: when it runs from a copy it made itself, records its pid in registry.
void register_sealed_copy(const char *registry);
#endif
