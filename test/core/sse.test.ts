// Encryption at rest (core/sse.ts): AES-256-CTR per part, random-access decryption across part
// boundaries, SSE-C key recognition, SSE-S3 key wrapping, SSE-KMS data keys under the key manager.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { S3Error } from "../../src/errors.ts";
import { decrypted, encrypting, Encryption, sealedEtag } from "../../src/core/sse.ts";
import { KeyManager } from "../../src/core/kms.ts";
import { MemoryMetadataStore } from "../../src/metadata/memory.ts";

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of source) chunks.push(c);
  return Buffer.concat(chunks);
}
async function* chunked(data: Uint8Array, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
const streamOf = (data: Uint8Array) => ({ stream: new Blob([data]).stream(), size: data.length });
const code = async (f: () => unknown) => {
  try {
    await f();
    return "none";
  } catch (err) {
    return (err as S3Error).code;
  }
};
const at = { bucket: "b", key: "k" };

describe("sse", () => {
  const enc = new Encryption(randomBytes(32));
  const key = randomBytes(32);

  test("a multipart object decrypts whole and in any range, across part boundaries, from a Blob or a stream", async () => {
    const { info, dataKey } = await enc.seal({ type: "SSE-C", key }, at);
    const sizes = [5000, 4099, 37];
    const partNumbers = [2, 5, 9];
    const plain = sizes.map((n) => randomBytes(n));
    const stored = Buffer.concat(await Promise.all(plain.map((p, i) => collect(encrypting(chunked(p, 777), dataKey, partNumbers[i]!)))));
    const whole = Buffer.concat(plain);
    expect(stored.length).toBe(whole.length);
    expect(stored.equals(whole)).toBe(false);
    const record = { size: whole.length, partSizes: sizes, sse: { ...info, parts: partNumbers } };
    const all = await decrypted(new Blob([stored]), record, dataKey);
    expect(Buffer.from(await (all as Blob).arrayBuffer()).equals(whole)).toBe(true);
    for (const [start, end] of [[0, 0], [1, 17], [4990, 5010], [4999, 9099], [15, 9135], [9099, 9135], [5000, 5000]] as const) {
      const slice = stored.subarray(start, end + 1);
      const fromBlob = await decrypted(new Blob([slice]), record, dataKey, { start, end });
      expect(Buffer.from(await (fromBlob as Blob).arrayBuffer()).equals(whole.subarray(start, end + 1))).toBe(true);
      const fromStream = await decrypted(streamOf(slice), record, dataKey, { start, end }) as { stream: ReadableStream<Uint8Array> };
      expect((await collect(fromStream.stream)).equals(whole.subarray(start, end + 1))).toBe(true);
    }
  });

  test("a part longer than the 1 MiB keystream segments decrypts at any offset, whatever the write chunking", async () => {
    const { dataKey } = await enc.seal({ type: "SSE-S3" }, at);
    const plain = randomBytes(3 * 1024 * 1024 + 100);
    const stored = await collect(encrypting(chunked(plain, 100_003), dataKey, 7));
    const other = await collect(encrypting(chunked(plain, 1 << 20), dataKey, 7));
    expect(stored.equals(other)).toBe(true);
    const record = { size: plain.length, partSizes: [plain.length], sse: { type: "SSE-S3" as const, salt: "", parts: [7] } };
    for (const [start, end] of [[1048570, 1048590], [1048576, 2097151], [2097150, 3145827], [0, plain.length - 1]] as const) {
      const out = await decrypted(streamOf(stored.subarray(start, end + 1)), record, dataKey, { start, end }) as { stream: ReadableStream<Uint8Array> };
      expect((await collect(out.stream)).equals(plain.subarray(start, end + 1))).toBe(true);
    }
    // A large file-backed read goes through in slices, not whole.
    const big = await decrypted(new Blob([stored]), record, dataKey) as { stream: ReadableStream<Uint8Array> };
    expect((await collect(big.stream)).equals(plain)).toBe(true);
  });

  test("SSE-C: the key is recognised by a salted HMAC; none → InvalidRequest, another → AccessDenied; a key on a plain object → InvalidRequest", async () => {
    const { info, dataKey } = await enc.seal({ type: "SSE-C", key }, at);
    expect(JSON.stringify(info)).not.toContain(key.toString("base64"));
    expect((await enc.open(info, key))!.equals(dataKey)).toBe(true);
    expect(await code(() => enc.open(info, undefined))).toBe("InvalidRequest");
    expect(await code(() => enc.open(info, randomBytes(32)))).toBe("AccessDenied");
    expect(await code(() => enc.open(undefined, key))).toBe("InvalidRequest");
    expect(await enc.open(undefined, undefined)).toBeNull();
    // Two objects under one key get different data keys and ETags.
    const other = await enc.seal({ type: "SSE-C", key }, at);
    expect(other.dataKey.equals(dataKey)).toBe(false);
    expect(sealedEtag("5d41402abc4b2a76b9719d911017c592", info)).not.toBe(sealedEtag("5d41402abc4b2a76b9719d911017c592", other.info));
  });

  test("SSE-S3: a random data key per object, wrapped by the master key; another master key cannot open it", async () => {
    const { info, dataKey } = await enc.seal({ type: "SSE-S3" }, at);
    expect((await enc.open(info, undefined))!.equals(dataKey)).toBe(true);
    expect(sealedEtag("abc", info)).toBe("abc");
    expect(await code(() => new Encryption(randomBytes(32)).open(info, undefined))).toBe("InternalError");
    expect(await code(() => new Encryption(null).seal({ type: "SSE-S3" }, at))).toBe("InternalError");
  });

  test("SSE-KMS: a data key per object under the key's newest version, the context bound to it; rotation, disable, enable, deletion", async () => {
    const master = randomBytes(32);
    const metadata = new MemoryMetadataStore();
    const kms = new KeyManager(metadata, master, "us-east-1", 0);
    const sse = new Encryption(master, kms);
    const created = await kms.create({ description: "test", alias: "alias/test" });
    expect(created).toMatchObject({ state: "Enabled", versions: 1, aliases: ["alias/test"], managed: false });
    expect(created.arn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
    const sealed = await sse.seal({ type: "SSE-KMS", keyId: "alias/test", context: { project: "x" } }, at);
    expect(sealed.info).toMatchObject({ type: "SSE-KMS", kmsKeyId: created.arn, keyVersion: 1, context: '{"aws:s3:arn":"arn:aws:s3:::b/k","project":"x"}' });
    expect((await sse.open(sealed.info, undefined))!.equals(sealed.dataKey)).toBe(true);
    // Nothing of the key's material or the data key in clear where the engine keeps them.
    const stored = JSON.stringify([await metadata.listRecords("kms-key"), sealed.info]);
    expect(stored).not.toContain(sealed.dataKey.toString("base64"));
    // Another context (another object) does not open it.
    expect(await code(() => sse.open({ ...sealed.info, context: '{"aws:s3:arn":"arn:aws:s3:::b/other"}' }, undefined))).toBe("AccessDenied");
    // Rotation: new objects under version 2, the old one still opens.
    expect((await kms.rotate(created.keyId)).versions).toBe(2);
    expect((await sse.seal({ type: "SSE-KMS", keyId: created.arn }, at)).info.keyVersion).toBe(2);
    expect((await sse.open(sealed.info, undefined))!.equals(sealed.dataKey)).toBe(true);
    // Disabled: neither encrypts nor decrypts; enabled again: both.
    await kms.disable("alias/test");
    expect(await code(() => sse.open(sealed.info, undefined))).toBe("KMS.DisabledException");
    expect(await code(() => sse.seal({ type: "SSE-KMS", keyId: created.keyId }, at))).toBe("KMS.DisabledException");
    await kms.enable(created.keyId);
    expect((await sse.open(sealed.info, undefined))!.equals(sealed.dataKey)).toBe(true);
    // Unknown keys and malformed references.
    expect(await code(() => sse.seal({ type: "SSE-KMS", keyId: "alias/nope" }, at))).toBe("KMS.NotFoundException");
    expect(await code(() => sse.seal({ type: "SSE-KMS", keyId: "not a key" }, at))).toBe("KMS.NotFoundException");
    expect(await code(() => kms.create({ alias: "alias/test" }))).toBe("KMS.AlreadyExistsException");
    // The default key (aws/s3): made on first use, one per installation, not disabled by hand.
    const byDefault = await sse.seal({ type: "SSE-KMS" }, at);
    const again = await new KeyManager(metadata, master, "us-east-1", 0).describe("alias/aws/s3");
    expect(byDefault.info.kmsKeyId).toBe(again.arn);
    expect(again.managed).toBe(true);
    expect(await code(() => kms.disable("alias/aws/s3"))).toBe("KMS.UnsupportedOperationException");
    // A bucket key wraps for the bucket, with the bucket's ARN as the default context.
    const bk = await sse.seal({ type: "SSE-KMS", keyId: created.keyId, bucketKey: true }, at);
    expect(bk.info).toMatchObject({ bucketKey: "b", context: '{"aws:s3:arn":"arn:aws:s3:::b"}' });
    expect((await sse.open(bk.info, undefined))!.equals(bk.dataKey)).toBe(true);
    // Scheduled for deletion: unusable at once, restorable (disabled) until the date.
    expect(await code(() => kms.scheduleDeletion(created.keyId, 3))).toBe("InvalidArgument");
    expect((await kms.scheduleDeletion(created.keyId, 7)).state).toBe("PendingDeletion");
    expect(await code(() => sse.open(sealed.info, undefined))).toBe("KMS.KMSInvalidStateException");
    expect((await kms.cancelDeletion(created.keyId)).state).toBe("Disabled");
    expect((await kms.list()).map((k) => k.keyId).sort()).toEqual([created.keyId, again.keyId].sort());
  });
});
