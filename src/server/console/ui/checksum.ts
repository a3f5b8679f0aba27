// CRC-32 (the x-amz-checksum-crc32 S3 accepts in place of Content-MD5, which browsers cannot compute
// and SubtleCrypto lacks; SubtleCrypto is also missing outside secure contexts).

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The base64 of the big-endian CRC-32 of `text`'s UTF-8 bytes. */
export function crc32Base64(text: string): string {
  let c = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) c = TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  c = (c ^ 0xffffffff) >>> 0;
  return btoa(String.fromCharCode(c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff));
}
