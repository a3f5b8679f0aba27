// Combining CRCs: the CRC of A‖B from crc(A), crc(B) and the length of B, without the bytes (zlib's
// crc32_combine, over GF(2) matrices). This is how a multipart upload gets its FULL_OBJECT CRC32,
// CRC32C or CRC64NVME from its parts' checksums when its bytes never pass through this process (a
// storage backend that completes uploads natively). All three are reflected CRCs with an all-ones
// initial value and final xor, for which the combination is exact.
import type { ChecksumAlgorithm } from "../metadata/store.ts";

type Matrix = bigint[];

const WIDTH: Partial<Record<ChecksumAlgorithm, { bits: number; poly: bigint }>> = {
  CRC32: { bits: 32, poly: 0xedb88320n },
  CRC32C: { bits: 32, poly: 0x82f63b78n },
  CRC64NVME: { bits: 64, poly: 0x9a6c9329ac4bc9b5n },
};

function times(mat: Matrix, vec: bigint): bigint {
  let sum = 0n;
  for (let i = 0; vec !== 0n; i++, vec >>= 1n) if (vec & 1n) sum ^= mat[i]!;
  return sum;
}

const square = (mat: Matrix): Matrix => mat.map((column) => times(mat, column));

/** Per algorithm and length: the operator that appends that many zero bytes to a CRC register. */
const operators = new Map<string, Matrix>();

function zerosOperator(algorithm: ChecksumAlgorithm, bytes: number): Matrix {
  const cacheKey = `${algorithm}:${bytes}`;
  const cached = operators.get(cacheKey);
  if (cached) return cached;
  const { bits, poly } = WIDTH[algorithm]!;
  // The operator for one zero bit, then squared up: 2, 4, 8 bits = one zero byte.
  let power: Matrix = [poly, ...Array.from({ length: bits - 1 }, (_, n) => 1n << BigInt(n))];
  for (let i = 0; i < 3; i++) power = square(power);
  let result: Matrix | null = null;
  for (let n = bytes; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = result === null ? power : result.map((column) => times(power, column));
    if (n > 1) power = square(power);
  }
  const op = result ?? Array.from({ length: bits }, (_, n) => 1n << BigInt(n));
  if (operators.size > 256) operators.clear();
  operators.set(cacheKey, op);
  return op;
}

export const combinable = (algorithm: ChecksumAlgorithm): boolean => WIDTH[algorithm] !== undefined;

const toBig = (bytes: Uint8Array) => bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
function fromBig(value: bigint, bits: number): Uint8Array {
  const out = new Uint8Array(bits / 8);
  for (let i = out.length - 1; i >= 0; i--, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
}

/**
 * The checksum (base64, big-endian as S3 writes it) of the concatenation of parts, from each part's
 * checksum and size.
 */
export function combineChecksums(algorithm: ChecksumAlgorithm, parts: ReadonlyArray<{ checksum: string; size: number }>): string {
  const { bits } = WIDTH[algorithm]!;
  let crc = 0n;
  parts.forEach((part, i) => {
    const next = toBig(Buffer.from(part.checksum, "base64"));
    crc = i === 0 ? next : times(zerosOperator(algorithm, part.size), crc) ^ next;
  });
  return Buffer.from(fromBig(crc, bits)).toString("base64");
}
