// rtnetlink (NETLINK_ROUTE) from Node through koffi: links, addresses and routes without
// spawning `ip`. Every call is synchronous: the kernel handles a request inside send(), so the
// ACK is already queued when recv() runs, and no other JavaScript runs while the main thread is
// briefly inside a pod's network namespace (setns of CLONE_NEWNET is per thread, and allowed in
// a multithreaded process; libuv's threads stay where they are).
import koffi from 'koffi';
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';

const AF_NETLINK = 16;
const AF_INET = 2;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const CLONE_NEWNET = 0x40000000;

const NLMSG_ERROR = 2;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
const RTM_SETLINK = 19;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
const NLM_F_REPLACE = 0x100;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;

const IFLA_IFNAME = 3;
const IFLA_PROTINFO = 12;
const IFLA_BRPORT_MODE = 4;
const NLA_F_NESTED = 0x8000;
const AF_BRIDGE = 7;
const IFLA_MTU = 4;
const IFLA_MASTER = 10;
const IFLA_LINKINFO = 18;
const IFLA_NET_NS_FD = 28;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const VETH_INFO_PEER = 1;
const IFF_UP = 1;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_BROADCAST = 4;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RTN_UNICAST = 1;

interface Libc {
  socket: koffi.KoffiFunction;
  send: koffi.KoffiFunction;
  recv: koffi.KoffiFunction;
  close: koffi.KoffiFunction;
  setns: koffi.KoffiFunction;
  setsockopt: koffi.KoffiFunction;
  if_nametoindex: koffi.KoffiFunction;
}
let fns: Libc | undefined;

function libc(): Libc {
  if (!fns) {
    const lib = koffi.load('libc.so.6');
    fns = {
      socket: lib.func('int socket(int domain, int type, int protocol)'),
      send: lib.func('long send(int fd, const void *buf, size_t len, int flags)'),
      recv: lib.func('long recv(int fd, _Out_ void *buf, size_t len, int flags)'),
      close: lib.func('int close(int fd)'),
      setns: lib.func('int setns(int fd, int nstype)'),
      setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)'),
      if_nametoindex: lib.func('unsigned int if_nametoindex(const char *name)'),
    };
  }
  return fns;
}

/** A netlink error: `errno` is the kernel's (e.g. EEXIST, ENODEV), `code` its name. */
export class NetlinkError extends Error {
  readonly code: string;
  constructor(op: string, readonly errno: number) {
    const code = Object.entries(constants.errno).find(([, v]) => v === errno)?.[0] ?? `errno ${errno}`;
    super(`${op}: ${code}`);
    this.code = code;
    this.name = 'NetlinkError';
  }
}

const align4 = (n: number) => (n + 3) & ~3;

/** One rtattr (type, payload), padded to 4 bytes. */
function attr(type: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(align4(4 + payload.length));
  b.writeUInt16LE(4 + payload.length, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const str = (s: string) => Buffer.from(`${s}\0`);
const ipv4 = (ip: string) => Buffer.from(ip.split('.').map(Number));

function ifinfomsg(index = 0, up = false): Buffer {
  const b = Buffer.alloc(16); // family, pad, type, index, flags, change
  b.writeInt32LE(index, 4);
  if (up) { b.writeUInt32LE(IFF_UP, 8); b.writeUInt32LE(IFF_UP, 12); }
  return b;
}

function ifname(name: string): Buffer {
  if (!name || name.length > 15 || /[/\s\0]/.test(name)) throw new Error(`invalid interface name ${JSON.stringify(name)}`);
  return attr(IFLA_IFNAME, str(name));
}

/** A NETLINK_ROUTE socket in the network namespace the calling thread was in when it was opened. */
export class RtNetlink {
  private seq = 1;
  private readonly buf = Buffer.alloc(65536);

  private constructor(private fd: number) {}

  /** A socket in the current namespace, or in the namespace at `netnsPath` (a /proc/<pid>/ns/net or bind mount). */
  static open(netnsPath?: string): RtNetlink {
    if (!netnsPath) return new RtNetlink(openSocket());
    const target = openSync(netnsPath, 'r');
    try {
      return new RtNetlink(inNetns(target, openSocket));
    } finally {
      closeSync(target);
    }
  }

  close(): void {
    if (this.fd >= 0) libc().close(this.fd);
    this.fd = -1;
  }

  /** Sends one request and waits for its ACK; throws NetlinkError on a kernel error. */
  private request(op: string, type: number, flags: number, body: Buffer[]): void {
    const payload = Buffer.concat(body);
    const hdr = Buffer.alloc(16);
    const seq = this.seq++;
    hdr.writeUInt32LE(16 + payload.length, 0);
    hdr.writeUInt16LE(type, 4);
    hdr.writeUInt16LE(flags | NLM_F_REQUEST | NLM_F_ACK, 6);
    hdr.writeUInt32LE(seq, 8);
    const msg = Buffer.concat([hdr, payload]);
    const c = libc();
    if (Number(c.send(this.fd, msg, msg.length, 0)) !== msg.length) throw new NetlinkError(`${op} (send)`, koffi.errno());
    for (;;) {
      const n = Number(c.recv(this.fd, this.buf, this.buf.length, 0));
      if (n < 0) throw new NetlinkError(`${op} (recv)`, koffi.errno());
      for (let off = 0; off + 16 <= n;) {
        const len = this.buf.readUInt32LE(off);
        if (len < 16) break;
        if (this.buf.readUInt16LE(off + 4) === NLMSG_ERROR && this.buf.readUInt32LE(off + 8) === seq) {
          const err = -this.buf.readInt32LE(off + 16);
          if (err) throw new NetlinkError(op, err);
          return;
        }
        off += align4(len);
      }
    }
  }

  /** `ip link add name <name> mtu <mtu> type bridge` (EEXIST if it is there). */
  addBridge(name: string, mtu: number): void {
    this.request(`add bridge ${name}`, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, [
      ifinfomsg(), ifname(name), attr(IFLA_MTU, u32(mtu)), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str('bridge'))),
    ]);
  }

  /**
   * `ip link add name <host> mtu <mtu> master <bridge> up type veth peer name <peer> mtu <mtu>
   * netns <fd>`: the peer is created directly in the pod's namespace, so its name never clashes
   * on the host.
   */
  addVethPair(host: string, bridgeIndex: number, mtu: number, peer: string, peerNetnsFd: number): void {
    const peerInfo = Buffer.concat([ifinfomsg(), ifname(peer), attr(IFLA_MTU, u32(mtu)), attr(IFLA_NET_NS_FD, u32(peerNetnsFd))]);
    const linkinfo = Buffer.concat([attr(IFLA_INFO_KIND, str('veth')), attr(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peerInfo))]);
    this.request(`add veth ${host}`, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, [
      ifinfomsg(0, true), ifname(host), attr(IFLA_MTU, u32(mtu)), attr(IFLA_MASTER, u32(bridgeIndex)), attr(IFLA_LINKINFO, linkinfo),
    ]);
  }

  /** `bridge link set dev <index> hairpin on`: the bridge port sends frames back out where they came in. */
  setHairpin(index: number): void {
    const ifi = ifinfomsg(index);
    ifi.writeUInt8(AF_BRIDGE, 0);
    // Nested, or the kernel reads IFLA_PROTINFO as the old bare port-state byte.
    this.request(`set hairpin on link ${index}`, RTM_SETLINK, 0, [ifi, attr(IFLA_PROTINFO | NLA_F_NESTED, attr(IFLA_BRPORT_MODE, Buffer.from([1])))]);
  }

  /** `ip link set dev <index> up`. */
  setUp(index: number): void {
    this.request(`set link ${index} up`, RTM_NEWLINK, 0, [ifinfomsg(index, true)]);
  }

  /** `ip link del dev <name>` (NetlinkError ENODEV if there is none). */
  deleteLink(name: string): void {
    this.request(`delete link ${name}`, RTM_DELLINK, 0, [ifinfomsg(), ifname(name)]);
  }

  /** `ip addr replace <ip>/<prefix> brd + dev <index>` (idempotent). */
  replaceAddress(index: number, ip: string, prefixLength: number): void {
    const ifa = Buffer.alloc(8); // family, prefixlen, flags, scope, index
    ifa.writeUInt8(AF_INET, 0);
    ifa.writeUInt8(prefixLength, 1);
    ifa.writeUInt32LE(index, 4);
    const addr = ipv4(ip);
    const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
    const brd = u32(0);
    brd.writeUInt32BE(((addr.readUInt32BE(0) & mask) | (~mask >>> 0)) >>> 0);
    this.request(`add address ${ip}/${prefixLength}`, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, [
      ifa, attr(IFA_LOCAL, addr), attr(IFA_ADDRESS, addr), ...(prefixLength < 31 ? [attr(IFA_BROADCAST, brd)] : []),
    ]);
  }

  /** `ip route add default via <gateway> dev <index>`. */
  addDefaultRoute(gateway: string, index: number): void {
    const rtm = Buffer.alloc(12); // family, dst_len, src_len, tos, table, protocol, scope, type, flags
    rtm.writeUInt8(AF_INET, 0);
    rtm.writeUInt8(RT_TABLE_MAIN, 4);
    rtm.writeUInt8(RTPROT_BOOT, 5);
    rtm.writeUInt8(RT_SCOPE_UNIVERSE, 6);
    rtm.writeUInt8(RTN_UNICAST, 7);
    this.request(`add default route via ${gateway}`, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, [
      rtm, attr(RTA_GATEWAY, ipv4(gateway)), attr(RTA_OIF, u32(index)),
    ]);
  }
}

function openSocket(): number {
  const c = libc();
  const fd = Number(c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (fd < 0) throw new NetlinkError('netlink socket', koffi.errno());
  // A kernel that never answers must not hang the event loop forever.
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(5n, 0);
  c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
  return fd;
}

/** Runs fn with the calling thread in the network namespace `targetFd`, then moves it back. */
export function inNetns<T>(targetFd: number, fn: () => T): T {
  const c = libc();
  const home = openSync('/proc/thread-self/ns/net', 'r');
  try {
    if (c.setns(targetFd, CLONE_NEWNET) !== 0) throw new NetlinkError('setns into the pod network namespace', koffi.errno());
    try {
      return fn();
    } finally {
      // Staying in the pod's namespace would move every later socket of this thread there.
      if (c.setns(home, CLONE_NEWNET) !== 0) throw new Error(`setns back to the host network namespace failed: errno ${koffi.errno()}`);
    }
  } finally {
    closeSync(home);
  }
}

/** The index of a link in the calling thread's namespace, 0 if there is none. */
export function linkIndex(name: string): number {
  return Number(libc().if_nametoindex(name));
}
