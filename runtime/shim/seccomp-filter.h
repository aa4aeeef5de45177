// seccomp.c (named so it never shadows libseccomp's <seccomp.h>).
#ifndef TSKUBE_SHIM_SECCOMP_FILTER_H
#define TSKUBE_SHIM_SECCOMP_FILTER_H

// Builds the filter described by the "seccomp_*" config keys (if any); returns 0 when there is none.
int seccomp_prepare(void);
// Loads the prepared filter (fail()s on error). No-op without one.
void seccomp_install(void);
#endif
