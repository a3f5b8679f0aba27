// The load generators of the benchmark: each sends the same GET / HEAD / PUT the way one kind of real
// client does, so a scenario can be measured as users' code sees it. The ceiling fixture ignores
// signatures and paths, so each generator is measured against it too, with the same per-request work.
//   - bench:   the benchmark's own minimal SigV4 signer (e2e/helpers/sign.ts) over fetch;
//   - bun:     Bun's built-in S3Client (what a Bun user's code sends);
//   - aws-sdk: the AWS SDK for JavaScript's own SigV4 signer (@smithy/signature-v4) over fetch.
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac } from "node:crypto";
import { ACCESS_KEY, SECRET_KEY } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";

export interface LoadClient {
  readonly name: string;
  /** The body's size; throws on a non-2xx answer. */
  get(endpoint: string, bucket: string, key: string): Promise<number>;
  head(endpoint: string, bucket: string, key: string): Promise<void>;
  put(endpoint: string, bucket: string, key: string, body: Uint8Array): Promise<void>;
}

const check = (res: Response) => {
  if (!res.ok) throw new Error(String(res.status));
  return res;
};

async function bodySize(res: Response): Promise<number> {
  return (await check(res).arrayBuffer()).byteLength;
}

export const benchClient: LoadClient = {
  name: "bench",
  get: async (ep, b, k) => bodySize(await fetch(`${ep}/${b}/${k}`, signRequest(`${ep}/${b}/${k}`))),
  head: async (ep, b, k) => void check(await fetch(`${ep}/${b}/${k}`, signRequest(`${ep}/${b}/${k}`, { method: "HEAD" }))),
  put: async (ep, b, k, body) => void check(await fetch(`${ep}/${b}/${k}`, signRequest(`${ep}/${b}/${k}`, { method: "PUT", body, unsignedPayload: true }))),
};

/** One Bun S3Client per endpoint and bucket, as an application keeps one. */
function bunS3(): LoadClient {
  const clients = new Map<string, Bun.S3Client>();
  const client = (endpoint: string, bucket: string) => {
    let c = clients.get(`${endpoint}/${bucket}`);
    if (!c) {
      c = new Bun.S3Client({ endpoint, bucket, accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, region: "us-east-1" });
      clients.set(`${endpoint}/${bucket}`, c);
    }
    return c;
  };
  return {
    name: "bun",
    get: async (ep, b, k) => (await client(ep, b).file(k).arrayBuffer()).byteLength,
    head: async (ep, b, k) => void (await client(ep, b).file(k).stat()),
    put: async (ep, b, k, body) => void (await client(ep, b).write(k, body)),
  };
}
export const bunClient = bunS3();

type Source = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Source) => (typeof d === "string" ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength));

/** The hash the SDK's signer is given in Node (its @smithy/hash-node is node:crypto's). */
class Sha256 {
  private readonly hash;
  constructor(secret?: Source) {
    this.hash = secret ? createHmac("sha256", bytes(secret)) : createHash("sha256");
  }
  update(data: Source) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

/** Signs with the AWS SDK's SigV4 signer, as the SDK's S3Client does (UNSIGNED-PAYLOAD bodies). */
function sdkSigning(): LoadClient {
  const signer = new SignatureV4({
    service: "s3", region: "us-east-1", sha256: Sha256, uriEscapePath: false, applyChecksum: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  const send = async (method: string, ep: string, b: string, k: string, body?: Uint8Array) => {
    const url = new URL(`${ep}/${b}/${k}`);
    const signed = await signer.sign({
      method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {},
      headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...(body ? { "content-length": String(body.length) } : {}) },
      ...(body ? { body } : {}),
    });
    return fetch(url, { method, headers: signed.headers, ...(body ? { body } : {}) });
  };
  return {
    name: "aws-sdk",
    get: async (ep, b, k) => bodySize(await send("GET", ep, b, k)),
    head: async (ep, b, k) => void check(await send("HEAD", ep, b, k)),
    put: async (ep, b, k, body) => void check(await send("PUT", ep, b, k, body)),
  };
}
export const sdkClient = sdkSigning();

export const LOAD_CLIENTS: LoadClient[] = [benchClient, bunClient, sdkClient];
