// A TCP proxy on loopback in front of an emulator that counts the bytes sent to it: how a test shows
// that a gateway moves each byte once.
import { connect, createServer } from "node:net";

export async function countingProxy(target: number) {
  let sent = 0;
  const server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    client.on("data", (chunk: Buffer) => void (sent += chunk.length));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, sent: () => sent, stop: () => server.close() };
}
