// The shim's modes, one file each; main() in tskube-shim.c picks one from argv[1].
#ifndef TSKUBE_SHIM_MODES_H
#define TSKUBE_SHIM_MODES_H

int mode_start(void);                                // monitor.c
int mode_pause(const char *conf);                     // pause.c
int mode_pause_idle(void);                           // pause.c: the pause process once set up
int mode_exec(void);                                 // exec.c
int mode_portforward(const char *netns, int port);   // portforward.c
#endif
