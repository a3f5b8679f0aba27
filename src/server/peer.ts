// Who sent a request: the peer's address, for rules that depend on the transport (SSE-C over plain
// HTTP is accepted only from this machine). Bun.serve answers it per request through the server
// (registered once at listen); the node:http listener records each request's socket address.
const recorded = new WeakMap<Request, string>();
let resolver: ((request: Request) => string | undefined) | undefined;

/** Bun.serve: the server that can tell any request's peer. */
export function setPeerResolver(resolve: (request: Request) => string | undefined): void {
  resolver = resolve;
}

/** node:http: the peer of one request. */
export function recordPeer(request: Request, address: string | undefined): void {
  if (address) recorded.set(request, address);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** The peer's address, or undefined when the listener cannot tell. */
export function peerAddress(request: Request): string | undefined {
  return recorded.get(request) ?? resolver?.(request);
}

/** Whether the request came from this machine over loopback. */
export function fromLoopback(request: Request): boolean {
  const address = peerAddress(request);
  return address !== undefined && LOOPBACK.test(address);
}
