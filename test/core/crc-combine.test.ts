// CRC combination against checksums computed over the concatenated bytes themselves.
import { expect, test } from "bun:test";
import { combineChecksums } from "../../src/core/crc-combine.ts";
import { checksumHasher } from "../../src/core/digest.ts";
import type { ChecksumAlgorithm } from "../../src/metadata/store.ts";

async function checksum(algorithm: ChecksumAlgorithm, data: Uint8Array): Promise<string> {
  const h = await checksumHasher(algorithm);
  h.update(data);
  return Buffer.from(await h.digest()).toString("base64");
}

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

test.each(["CRC32", "CRC32C", "CRC64NVME"] as const)("%s of concatenated parts equals the combination of the parts' checksums", async (algorithm) => {
  for (const sizes of [[1], [5, 7], [0, 3, 0], [65536, 1, 1000, 65536], [5 * 1024 * 1024, 5 * 1024 * 1024, 12345]]) {
    const parts = sizes.map(random);
    const whole = Buffer.concat(parts);
    const combined = combineChecksums(algorithm, await Promise.all(parts.map(async (p) => ({ checksum: await checksum(algorithm, p), size: p.length }))));
    expect(combined).toBe(await checksum(algorithm, whole));
  }
});
