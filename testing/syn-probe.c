/*
 * syn-probe: send a TCP SYN to <dst-ip>:<port> in an Ethernet frame addressed to
 * <dst-mac> out of <ifname> (AF_PACKET, so the local routing table, which would
 * keep 127.0.0.1 on lo, is bypassed), and wait for the SYN-ACK. This is what an
 * unprivileged pod with the default NET_RAW can do to reach the node's
 * loopback-only services when route_localnet=1 (CVE-2020-8558).
 * Prints SYNACK (exit 0), RST (exit 3) or TIMEOUT (exit 2). Test helper only.
 * usage: syn-probe IFNAME DST-MAC DST-IP PORT TIMEOUT-MS
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned short csum(const void *data, size_t len, unsigned long sum) {
  const unsigned char *p = data;
  for (; len > 1; len -= 2, p += 2) sum += (p[0] << 8) | p[1];
  if (len) sum += p[0] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(~sum & 0xffff);
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s IFNAME DST-MAC DST-IP PORT TIMEOUT-MS\n", argv[0]);
    return 1;
  }
  unsigned char dmac[6];
  if (sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2], &dmac[3], &dmac[4], &dmac[5]) != 6) {
    fprintf(stderr, "bad mac %s\n", argv[2]);
    return 1;
  }
  struct in_addr dst;
  if (inet_pton(AF_INET, argv[3], &dst) != 1) {
    fprintf(stderr, "bad ip %s\n", argv[3]);
    return 1;
  }
  int port = atoi(argv[4]);
  long timeout = atol(argv[5]);

  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
  if (fd < 0) { perror("socket(AF_PACKET)"); return 1; }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) { perror("SIOCGIFINDEX"); return 1; }
  int ifindex = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) { perror("SIOCGIFHWADDR"); return 1; }
  unsigned char smac[6];
  memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
  int ufd = socket(AF_INET, SOCK_DGRAM, 0);
  if (ufd < 0 || ioctl(ufd, SIOCGIFADDR, &ifr) < 0) { perror("SIOCGIFADDR"); return 1; }
  struct in_addr src = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
  close(ufd);

  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_IP);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { perror("bind"); return 1; }

  srand(getpid() ^ time(NULL));
  unsigned short sport = 40000 + rand() % 20000;
  unsigned int seq = rand();

  unsigned char frame[sizeof(struct ether_header) + sizeof(struct iphdr) + sizeof(struct tcphdr)];
  memset(frame, 0, sizeof frame);
  struct ether_header *eh = (void *)frame;
  memcpy(eh->ether_dhost, dmac, 6);
  memcpy(eh->ether_shost, smac, 6);
  eh->ether_type = htons(ETH_P_IP);
  struct iphdr *ip = (void *)(frame + sizeof *eh);
  ip->version = 4;
  ip->ihl = 5;
  ip->tot_len = htons(sizeof(struct iphdr) + sizeof(struct tcphdr));
  ip->id = htons(rand() & 0xffff);
  ip->ttl = 64;
  ip->protocol = IPPROTO_TCP;
  ip->saddr = src.s_addr;
  ip->daddr = dst.s_addr;
  ip->check = csum(ip, sizeof *ip, 0);
  struct tcphdr *tcp = (void *)(ip + 1);
  tcp->source = htons(sport);
  tcp->dest = htons(port);
  tcp->seq = htonl(seq);
  tcp->doff = 5;
  tcp->syn = 1;
  tcp->window = htons(64240);
  /* pseudo header sum: saddr, daddr, protocol, tcp length */
  unsigned long ps = 0;
  const unsigned char *s = (void *)&ip->saddr, *d = (void *)&ip->daddr;
  ps += (s[0] << 8 | s[1]) + (s[2] << 8 | s[3]) + (d[0] << 8 | d[1]) + (d[2] << 8 | d[3]);
  ps += IPPROTO_TCP + sizeof(struct tcphdr);
  tcp->check = csum(tcp, sizeof *tcp, ps);

  long deadline = now_ms() + timeout, next_send = 0;
  unsigned char buf[2048];
  for (;;) {
    long t = now_ms();
    if (t >= deadline) break;
    if (t >= next_send) {
      if (sendto(fd, frame, sizeof frame, 0, (struct sockaddr *)&sll, sizeof sll) < 0) { perror("sendto"); return 1; }
      next_send = t + 500;
    }
    struct pollfd pfd = {fd, POLLIN, 0};
    long wait = (next_send < deadline ? next_send : deadline) - t;
    if (poll(&pfd, 1, wait > 0 ? wait : 0) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < (ssize_t)(sizeof(struct ether_header) + sizeof(struct iphdr) + sizeof(struct tcphdr))) continue;
    struct iphdr *rip = (void *)(buf + sizeof(struct ether_header));
    if (rip->protocol != IPPROTO_TCP || rip->saddr != dst.s_addr) continue;
    struct tcphdr *rt = (void *)((unsigned char *)rip + rip->ihl * 4);
    if ((unsigned char *)(rt + 1) > buf + n) continue;
    if (ntohs(rt->source) != port || ntohs(rt->dest) != sport) continue;
    if (rt->syn && rt->ack) { printf("SYNACK\n"); return 0; }
    if (rt->rst) { printf("RST\n"); return 3; }
  }
  printf("TIMEOUT\n");
  return 2;
}
