// Builds an etcd3 client tuned for an apiserver: no retries and no circuit
// breaker (etcd3's defaults retry 3 times and then refuse every call for 5 s
// after 3 failures, so a restarted etcd would still look down), and a deadline
// on every unary call, so a request while etcd is down fails in well under 2 s
// and the first request after it is back succeeds.

import { Etcd3, type IOptions } from 'etcd3';

export interface EtcdClientOptions {
  /** Client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[] | string;
  /** How long to wait while connecting (ms); default 1000. */
  dialTimeout?: number;
  /** Deadline of each unary call (ms); default 5000. Streams (watch) have none. */
  callTimeoutMs?: number;
  /** TLS towards https:// endpoints: the CA that signed etcd's serving certificate, and this client's certificate and key (PEM). */
  tls?: EtcdTLS;
}

/**
 * PEM text, not Buffers: the options cross into the etcd client thread, where a
 * structured-cloned Buffer arrives as a Uint8Array, which gRPC refuses.
 */
export interface EtcdTLS {
  ca: string;
  cert: string;
  key: string;
}

/** Never aborted; shared because creating an AbortSignal per call costs ~8 µs of the hot path. */
const neverAborted = { signal: new AbortController().signal };

/** A cockatiel-compatible policy that just runs the call once. */
const runOnce = {
  // async: a synchronous throw from fn becomes a rejection, as a policy's would.
  async execute<T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> {
    return await fn(neverAborted);
  },
} as unknown as NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/** Watch reconnection backoff: the watch layer above re-creates watchers itself, this only spaces stream attempts. */
class FixedBackoff {
  constructor(readonly duration: number) {}
  next(): FixedBackoff {
    return this;
  }
}

function tlsCredentials(tls: EtcdTLS) {
  const rootCertificate = Buffer.from(tls.ca);
  return tls.cert && tls.key ? { rootCertificate, certChain: Buffer.from(tls.cert), privateKey: Buffer.from(tls.key) } : { rootCertificate };
}

export function newEtcdClient(opts: EtcdClientOptions): Etcd3 {
  const callTimeout = opts.callTimeoutMs ?? 5000;
  return new Etcd3({
    hosts: opts.endpoints,
    ...(opts.tls ? { credentials: tlsCredentials(opts.tls) } : {}),
    dialTimeout: opts.dialTimeout ?? 1000,
    faultHandling: {
      global: runOnce,
      host: () => runOnce,
      watchBackoff: new FixedBackoff(200) as unknown as NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>,
    },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeout }),
    grpcOptions: {
      // Notice a silently dead connection (e.g. etcd SIGSTOPped) instead of waiting forever on a watch.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      // etcd's own limit is 1.5 MiB per request by default; responses (lists) can be larger.
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      // TLS to a loopback IP: check the certificate's DNS name "localhost" (SNI may not carry an IP; Node warns).
      ...(opts.tls ? { 'grpc.ssl_target_name_override': 'localhost' } : {}),
    },
  });
}
