// Flexible checksums: every algorithm against published check values and independent implementations,
// and digesting()'s verification of what a client claims.
import { describe, expect, test } from "bun:test";
import { Crc32c } from "@aws-crypto/crc32c";
import { createHash } from "node:crypto";
import { crc32c } from "../../src/core/crc32c.ts";
import { checksumHasher, digesting, type BodyDigest } from "../../src/core/digest.ts";
import type { ChecksumAlgorithm } from "../../src/metadata/store.ts";

const CHECK = new TextEncoder().encode("123456789");
const hex = async (algorithm: ChecksumAlgorithm, data: Uint8Array, split = 1) => {
  const h = await checksumHasher(algorithm);
  const step = Math.ceil(data.length / split);
  for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
  return Buffer.from(await h.digest()).toString("hex");
};

describe("checksum algorithms", () => {
  test("check values of the CRC catalogue", async () => {
    expect(await hex("CRC32", CHECK)).toBe("cbf43926");
    expect(await hex("CRC32C", CHECK)).toBe("e3069283");
    expect(await hex("CRC64NVME", CHECK)).toBe("ae8b14860a799888");
  });

  test("SHA1 and SHA256 agree with node:crypto", async () => {
    expect(await hex("SHA1", CHECK)).toBe(createHash("sha1").update(CHECK).digest("hex"));
    expect(await hex("SHA256", CHECK)).toBe(createHash("sha256").update(CHECK).digest("hex"));
  });

  test("CRC32C agrees with @aws-crypto/crc32c on random data of every alignment, in pieces", async () => {
    for (const size of [0, 1, 7, 8, 9, 63, 1000, 65537]) {
      const data = crypto.getRandomValues(new Uint8Array(size));
      const reference = new Crc32c().update(data).digest();
      expect(crc32c(data)).toBe(reference);
      expect(await hex("CRC32C", data, 3)).toBe(reference.toString(16).padStart(8, "0"));
    }
  });
});

describe("digesting", () => {
  async function run(data: Uint8Array, expect_: Parameters<typeof digesting>[1]) {
    const result: Partial<BodyDigest> = {};
    const source = (async function* () {
      yield data.subarray(0, 3);
      yield data.subarray(3);
    })();
    for await (const _ of digesting(source, expect_, result)) void _;
    return result;
  }

  test("computes the ETag, size and a requested checksum", async () => {
    const r = await run(CHECK, { checksum: { algorithm: "CRC32C" } });
    expect(r.etag).toBe(createHash("md5").update(CHECK).digest("hex"));
    expect(r.size).toBe(9);
    expect(r.checksum).toEqual({ algorithm: "CRC32C", value: Buffer.from("e3069283", "hex").toString("base64"), type: "FULL_OBJECT" });
  });

  test.each([
    ["a wrong checksum", { checksum: { algorithm: "CRC64NVME" as const, expected: "AAAAAAAAAAA=" } }, "BadDigest"],
    ["a wrong Content-MD5", { contentMd5: "AAAAAAAAAAAAAAAAAAAAAA==" }, "BadDigest"],
    ["a wrong payload SHA-256", { sha256Hex: "0".repeat(64) }, "XAmzContentSHA256Mismatch"],
    ["a short body", { size: 10 }, "IncompleteBody"],
    ["a long body", { size: 8 }, "InvalidRequest"],
    ["a body over the limit", { maxSize: 5 }, "EntityTooLarge"],
  ])("%s is refused", async (_label, expectation, code) => {
    await expect(run(CHECK, expectation)).rejects.toMatchObject({ code });
  });
});
