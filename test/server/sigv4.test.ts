// SigV4 against the examples AWS publishes for S3 (header auth, presigned URL, aws-chunked).
import { describe, expect, test } from "bun:test";
import { authenticate, type CredentialLookup } from "../../src/server/auth/authenticate.ts";
import { decodeAwsChunked } from "../../src/server/auth/chunked.ts";
import { canonicalQuery, EMPTY_SHA256, queryPairs, uriEncode } from "../../src/server/auth/sigv4.ts";
import { S3Error } from "../../src/errors.ts";

const ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NOW = Date.UTC(2013, 4, 24, 0, 0, 0);
const owner = { id: "owner-id", displayName: "example" };
const lookup: CredentialLookup = async (ak) => (ak === ACCESS_KEY ? { accessKey: ak, secretKey: SECRET, owner, createdAt: 0 } : null);
const credential = `Credential=${ACCESS_KEY}/20130524/us-east-1/s3/aws4_request`;

async function authError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as S3Error).code;
  }
  return "no error";
}

describe("SigV4 header auth", () => {
  const getHeaders = (signature: string) =>
    new Headers({
      host: "examplebucket.s3.amazonaws.com",
      range: "bytes=0-9",
      "x-amz-content-sha256": EMPTY_SHA256,
      "x-amz-date": "20130524T000000Z",
      authorization: `AWS4-HMAC-SHA256 ${credential},SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=${signature}`,
    });

  test("GET object example verifies", async () => {
    const req = { method: "GET", rawPath: "/test.txt", rawQuery: "", headers: getHeaders("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") };
    const result = await authenticate(req, lookup, NOW);
    expect(result.requester).toEqual(owner);
    expect(result.payload).toEqual({ kind: "sha256", hex: EMPTY_SHA256 });
  });

  test("PUT object example verifies", async () => {
    const headers = new Headers({
      host: "examplebucket.s3.amazonaws.com",
      date: "Fri, 24 May 2013 00:00:00 GMT",
      "x-amz-date": "20130524T000000Z",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      authorization: `AWS4-HMAC-SHA256 ${credential},SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd`,
    });
    const result = await authenticate({ method: "PUT", rawPath: "/test%24file.text", rawQuery: "", headers }, lookup, NOW);
    expect(result.requester).toEqual(owner);
  });

  test("GET bucket with query example verifies", async () => {
    const headers = new Headers({
      host: "examplebucket.s3.amazonaws.com",
      "x-amz-date": "20130524T000000Z",
      "x-amz-content-sha256": EMPTY_SHA256,
      authorization: `AWS4-HMAC-SHA256 ${credential},SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7`,
    });
    const result = await authenticate({ method: "GET", rawPath: "/", rawQuery: "max-keys=2&prefix=J", headers }, lookup, NOW);
    expect(result.requester).toEqual(owner);
  });

  test("a wrong signature is SignatureDoesNotMatch", async () => {
    const req = { method: "GET", rawPath: "/test.txt", rawQuery: "", headers: getHeaders("0".repeat(64)) };
    expect(await authError(authenticate(req, lookup, NOW))).toBe("SignatureDoesNotMatch");
  });

  test("an unknown access key is InvalidAccessKeyId", async () => {
    const headers = getHeaders("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    headers.set("authorization", headers.get("authorization")!.replace(ACCESS_KEY, "NOPE"));
    expect(await authError(authenticate({ method: "GET", rawPath: "/test.txt", rawQuery: "", headers }, lookup, NOW))).toBe("InvalidAccessKeyId");
  });

  test("a clock 16 minutes off is RequestTimeTooSkewed", async () => {
    const req = { method: "GET", rawPath: "/test.txt", rawQuery: "", headers: getHeaders("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") };
    expect(await authError(authenticate(req, lookup, NOW + 16 * 60 * 1000))).toBe("RequestTimeTooSkewed");
  });

  test("a header without Signature is AuthorizationHeaderMalformed", async () => {
    const headers = getHeaders("x");
    headers.set("authorization", `AWS4-HMAC-SHA256 ${credential},SignedHeaders=host`);
    expect(await authError(authenticate({ method: "GET", rawPath: "/", rawQuery: "", headers }, lookup, NOW))).toBe("AuthorizationHeaderMalformed");
  });

  test("no credentials at all is anonymous", async () => {
    const result = await authenticate({ method: "GET", rawPath: "/", rawQuery: "", headers: new Headers() }, lookup, NOW);
    expect(result.requester).toBeNull();
  });
});

describe("SigV4 presigned URL", () => {
  const query =
    `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${ACCESS_KEY}%2F20130524%2Fus-east-1%2Fs3%2Faws4_request` +
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  const headers = new Headers({ host: "examplebucket.s3.amazonaws.com" });

  test("the GET example verifies", async () => {
    const result = await authenticate({ method: "GET", rawPath: "/test.txt", rawQuery: query, headers }, lookup, NOW + 1000);
    expect(result.requester).toEqual(owner);
    expect(result.payload).toEqual({ kind: "unsigned" });
  });

  test("after X-Amz-Expires it is AccessDenied", async () => {
    expect(await authError(authenticate({ method: "GET", rawPath: "/test.txt", rawQuery: query, headers }, lookup, NOW + 86401_000))).toBe("AccessDenied");
  });

  test("used with another method it is SignatureDoesNotMatch", async () => {
    expect(await authError(authenticate({ method: "PUT", rawPath: "/test.txt", rawQuery: query, headers }, lookup, NOW))).toBe("SignatureDoesNotMatch");
  });

  test("X-Amz-Expires over a week, zero or negative is AuthorizationQueryParametersError", async () => {
    for (const expires of ["604801", "0", "-1"]) {
      const bad = query.replace("X-Amz-Expires=86400", `X-Amz-Expires=${expires}`);
      expect(await authError(authenticate({ method: "GET", rawPath: "/test.txt", rawQuery: bad, headers }, lookup, NOW))).toBe("AuthorizationQueryParametersError");
    }
  });
});

describe("aws-chunked with chunk signatures", () => {
  const signedHeaders = "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class";
  const seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  const headers = new Headers({
    host: "s3.amazonaws.com",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    "content-length": "66824",
    authorization: `AWS4-HMAC-SHA256 ${credential},SignedHeaders=${signedHeaders},Signature=${seed}`,
  });
  const body = (lastSig: string) =>
    Buffer.concat([
      Buffer.from("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"),
      Buffer.alloc(65536, "a"),
      Buffer.from("\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n"),
      Buffer.alloc(1024, "a"),
      Buffer.from(`\r\n0;chunk-signature=${lastSig}\r\n\r\n`),
    ]);
  // Split into odd-sized pieces so header lines straddle network chunks.
  async function* pieces(buf: Buffer) {
    for (let i = 0; i < buf.length; i += 7777) yield new Uint8Array(buf.subarray(i, i + 7777));
  }
  const collect = async (it: AsyncIterable<Uint8Array>) => {
    let n = 0;
    for await (const c of it) n += c.length;
    return n;
  };

  test("the example decodes and every signature verifies", async () => {
    const auth = await authenticate({ method: "PUT", rawPath: "/examplebucket/chunkObject.txt", rawQuery: "", headers }, lookup, NOW);
    expect(auth.payload.kind).toBe("streaming");
    if (auth.payload.kind !== "streaming") return;
    const decoded = decodeAwsChunked(pieces(body("b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")), { signing: auth.payload.signing! });
    expect(await collect(decoded)).toBe(66560);
  });

  test("a tampered final chunk signature is rejected", async () => {
    const auth = await authenticate({ method: "PUT", rawPath: "/examplebucket/chunkObject.txt", rawQuery: "", headers }, lookup, NOW);
    if (auth.payload.kind !== "streaming") throw new Error("expected streaming");
    const decoded = decodeAwsChunked(pieces(body("0".repeat(64))), { signing: auth.payload.signing! });
    expect(await authError(collect(decoded))).toBe("SignatureDoesNotMatch");
  });

  test("unsigned chunks with a trailer report the trailing checksum", async () => {
    const raw = Buffer.from("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n");
    const trailers: Array<[string, string]> = [];
    const n = await collect(decodeAwsChunked(pieces(raw), { onTrailer: (k, v) => trailers.push([k, v]) }));
    expect(n).toBe(5);
    expect(trailers).toEqual([["x-amz-checksum-crc32", "NhCmhg=="]]);
  });

  test("a body that ends inside a chunk is IncompleteBody", async () => {
    expect(await authError(collect(decodeAwsChunked(pieces(Buffer.from("a\r\nhello")))))).toBe("IncompleteBody");
  });
});

describe("canonical encoding", () => {
  test("uriEncode keeps only unreserved characters", () => {
    expect(uriEncode("a b/c!*'()~._-")).toBe("a%20b%2Fc%21%2A%27%28%29~._-");
    expect(uriEncode("a b/c", true)).toBe("a%20b/c");
  });

  test("canonical query sorts by name and encodes values", () => {
    expect(canonicalQuery(queryPairs("prefix=J&max-keys=2&acl"))).toBe("acl=&max-keys=2&prefix=J");
    expect(canonicalQuery(queryPairs("a=%2F&X-Amz-Signature=x"), "X-Amz-Signature")).toBe("a=%2F");
  });
});
