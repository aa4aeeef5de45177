// Seccomp profiles → the shim's "seccomp_*" config lines (compiled to BPF by
// libseccomp in the shim, runtime/shim/seccomp.c).
//
// RuntimeDefault follows containerd's default profile (contrib/seccomp):
// defaultAction SCMP_ACT_ERRNO (EPERM), an allowlist of syscalls, more
// syscalls when the container holds the matching capability (CAP_SYS_ADMIN:
// mount, unshare, setns, clone with namespace flags…), and without
// CAP_SYS_ADMIN `clone` only when no CLONE_NEW* flag is set and `clone3`
// answered ENOSYS (its flags live in memory a filter cannot read, so libcs
// fall back to clone). Localhost loads an OCI (runtime-spec LinuxSeccomp) or
// Docker-format JSON profile from the host.
import { readFileSync } from 'node:fs';
import type { SeccompProfile } from './cri.js';
import type { ShimConfig } from './shim-config.js';

export interface SeccompArg {
  index: number;
  value: number | bigint;
  valueTwo?: number | bigint;
  op: string;
}

export interface SeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  /** Docker format: only with all these capabilities / on these arches. */
  includes?: { caps?: string[]; arches?: string[] };
  /** Docker format: not with any of these capabilities / on these arches. */
  excludes?: { caps?: string[]; arches?: string[] };
}

export interface SeccompSpec {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  /** Docker format: arch groups. */
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: SeccompSyscall[];
}

const EPERM = 1;
const ENOSYS = 38;
// CLONE_NEWNS | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWCGROUP
const CLONE_NS_FLAGS = 0x7e020000;

/** containerd's unconditional allowlist (amd64). */
const ALLOWED = `accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep
clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1
epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit
exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2
fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat
fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64 futex_wait
futex_waitv futex_wake futimesat getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid
getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom
getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt
get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1
inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get
ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown
lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64
madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2
mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64
mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap
name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe
pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64
process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv
recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2
restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn
rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr
sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval
sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield
seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg
sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid
setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit
set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt
shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socket socketcall socketpair splice stat
stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create
timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create
timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit
umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write
writev arch_prctl modify_ldt`.split(/\s+/);

/** Syscalls allowed only with a capability (containerd's capability-conditional groups). */
const BY_CAP: Record<string, string[]> = {
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_SYS_ADMIN: ['bpf', 'clone', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie', 'mount', 'mount_setattr', 'move_mount', 'open_tree', 'perf_event_open', 'quotactl', 'quotactl_fd', 'setdomainname', 'sethostname', 'setns', 'syslog', 'umount', 'umount2', 'unshare'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_MODULE: ['delete_module', 'init_module', 'finit_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev', 'ptrace'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};

/** containerd's default profile for a container whose bounding set holds caps ("CAP_*" names). */
export function defaultProfile(caps: string[]): SeccompSpec {
  const has = new Set(caps);
  const syscalls: SeccompSyscall[] = [{ names: ALLOWED, action: 'SCMP_ACT_ALLOW' }];
  // personality: only the harmless personas (PER_LINUX, PER_LINUX32, query).
  for (const v of [0x0, 0x8, 0x20000, 0x20008, 0xffffffff]) syscalls.push({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: v, op: 'SCMP_CMP_EQ' }] });
  const extra = new Set<string>();
  for (const [cap, names] of Object.entries(BY_CAP)) if (has.has(cap)) names.forEach((n) => extra.add(n));
  if (extra.size) syscalls.push({ names: [...extra], action: 'SCMP_ACT_ALLOW' });
  if (!has.has('CAP_SYS_ADMIN')) {
    syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NS_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls };
}

const ACTIONS: Record<string, string> = {
  SCMP_ACT_ALLOW: 'allow',
  SCMP_ACT_ERRNO: 'errno',
  SCMP_ACT_KILL: 'kill',
  SCMP_ACT_KILL_THREAD: 'kill',
  SCMP_ACT_KILL_PROCESS: 'kill_process',
  SCMP_ACT_TRAP: 'trap',
  SCMP_ACT_TRACE: 'trace',
  SCMP_ACT_LOG: 'log',
};
const OPS: Record<string, string> = {
  SCMP_CMP_NE: 'ne',
  SCMP_CMP_LT: 'lt',
  SCMP_CMP_LE: 'le',
  SCMP_CMP_EQ: 'eq',
  SCMP_CMP_GE: 'ge',
  SCMP_CMP_GT: 'gt',
  SCMP_CMP_MASKED_EQ: 'me',
};
/** OCI arch names → libseccomp's. */
const ARCHES: Record<string, string> = {
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_S390: 's390',
  SCMP_ARCH_S390X: 's390x',
  SCMP_ARCH_PPC64LE: 'ppc64le',
  SCMP_ARCH_RISCV64: 'riscv64',
};
const NATIVE = process.arch === 'x64' ? 'SCMP_ARCH_X86_64' : process.arch === 'arm64' ? 'SCMP_ARCH_AARCH64' : '';

export class SeccompProfileError extends Error {}

function action(a: string, where: string): string {
  const act = ACTIONS[a];
  if (!act) throw new SeccompProfileError(`seccomp profile: ${where}: unsupported action ${JSON.stringify(a)}`);
  return act;
}

function u64(v: unknown, where: string): string {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  if (typeof v === 'bigint' && v >= 0n) return v.toString();
  if (v === undefined) return '0';
  throw new SeccompProfileError(`seccomp profile: ${where}: bad value ${JSON.stringify(v)}`);
}

/** The shim's config lines for a profile; caps (CAP_* names) decide Docker-format includes/excludes. */
export function compileProfile(spec: SeccompSpec, caps: string[]): ShimConfig {
  const has = new Set(caps);
  const out: ShimConfig = [['seccomp_default', `${action(spec.defaultAction, 'defaultAction')} ${spec.defaultErrnoRet ?? -1}`]];
  const arches = new Set<string>();
  for (const a of spec.architectures ?? []) arches.add(a);
  for (const m of spec.archMap ?? []) if (m.architecture === NATIVE) [m.architecture, ...(m.subArchitectures ?? [])].forEach((a) => arches.add(a));
  for (const a of arches) if (ARCHES[a]) out.push(['seccomp_arch', ARCHES[a]]);
  for (const [i, s] of (spec.syscalls ?? []).entries()) {
    const where = `syscalls[${i}]`;
    if (!Array.isArray(s.names) || s.names.some((n) => typeof n !== 'string' || !/^[a-z0-9_]+$/.test(n))) throw new SeccompProfileError(`seccomp profile: ${where}: names must be syscall names`);
    if (s.includes?.caps && !s.includes.caps.every((c) => has.has(c))) continue;
    if (s.includes?.arches && NATIVE && !s.includes.arches.some((a) => (ARCHES[a] ?? a) === ARCHES[NATIVE] || a === 'amd64' || a === 'arm64')) continue;
    if (s.excludes?.caps && s.excludes.caps.some((c) => has.has(c))) continue;
    const act = action(s.action, where);
    const args = (s.args ?? []).map((a, j) => {
      const op = OPS[a.op];
      if (!op || !Number.isInteger(a.index) || a.index < 0 || a.index > 5) throw new SeccompProfileError(`seccomp profile: ${where}.args[${j}]: bad index or op`);
      return `${a.index}:${op}:${u64(a.value, where)}:${u64(a.valueTwo, where)}`;
    });
    for (const n of s.names) out.push(['seccomp_rule', [act, s.errnoRet ?? -1, n, ...args].join(' ')]);
  }
  return out;
}

/** Reads a Localhost profile (absolute host path; the kubelet resolves it under its seccomp dir). */
export function loadProfile(path: string): SeccompSpec {
  if (!path.startsWith('/')) throw new SeccompProfileError(`seccomp profile ${JSON.stringify(path)}: localhostProfile must be an absolute path`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SeccompProfileError(`cannot load seccomp profile ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  let spec: SeccompSpec;
  try {
    spec = JSON.parse(text) as SeccompSpec;
  } catch (e) {
    throw new SeccompProfileError(`decoding seccomp profile ${JSON.stringify(path)} failed: ${(e as Error).message}`);
  }
  if (!spec || typeof spec.defaultAction !== 'string') throw new SeccompProfileError(`seccomp profile ${JSON.stringify(path)}: defaultAction is required`);
  return spec;
}

/** The config lines for a container's seccompProfile; [] for Unconfined, undefined, or privileged containers. */
export function seccompConfig(profile: SeccompProfile | undefined, caps: string[], privileged: boolean): ShimConfig {
  if (!profile || profile.type === 'Unconfined' || privileged) return [];
  if (profile.type === 'RuntimeDefault') return compileProfile(defaultProfile(caps), caps);
  if (profile.type === 'Localhost') {
    if (!profile.localhostProfile) throw new SeccompProfileError('seccomp profile type Localhost needs localhostProfile');
    return compileProfile(loadProfile(profile.localhostProfile), caps);
  }
  throw new SeccompProfileError(`unknown seccomp profile type ${JSON.stringify((profile).type)}`);
}
