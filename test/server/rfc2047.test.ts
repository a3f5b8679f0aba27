// RFC 2047 encoded-words for x-amz-meta-* values (rfc2047.ts).
import { describe, expect, test } from "bun:test";
import { decodeWords, encodeWord } from "../../src/server/rfc2047.ts";

describe("decodeWords", () => {
  test.each([
    ["=?UTF-8?B?Y2Fmw6k=?=", "café"],
    ["=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait"],
    ["=?ISO-8859-1?Q?caf=E9?=", "café"],
    ["=?UTF-8?B?Y2Fm?= =?UTF-8?B?w6k=?=", "café"],
  ])("%s → %s", (word, text) => expect(decodeWords(word)).toBe(text));

  test.each(["plain", "before =?UTF-8?B?Y2Fmw6k=?=", "=?KOI8-R?B?w6k=?=", "=?UTF-8?X?abc?="])("%s is not decoded", (value) => {
    expect(decodeWords(value)).toBeUndefined();
  });
});

describe("encodeWord", () => {
  test("printable US-ASCII as it is, anything else one B word over UTF-8", () => {
    expect(encodeWord("plain text\tok")).toBe("plain text\tok");
    expect(encodeWord("café")).toBe("=?UTF-8?B?Y2Fmw6k=?=");
    expect(encodeWord("line\nbreak")).toBe(`=?UTF-8?B?${Buffer.from("line\nbreak").toString("base64")}?=`);
    expect(decodeWords(encodeWord("✓ ünïcödé"))).toBe("✓ ünïcödé");
  });
});
