// RFC 2047 encoded-words, the form S3 gives non-ASCII user metadata (x-amz-meta-*) in headers: a value
// made only of encoded-words is decoded before it is stored, and a stored value that is not printable
// US-ASCII is sent back as one `=?UTF-8?B?<base64>?=` word.

const WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
const ONLY_WORDS = /^\s*=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=(?:\s+=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)*\s*$/;
const PRINTABLE_ASCII = /^[\t\x20-\x7e]*$/;

function wordBytes(encoding: string, text: string): Buffer {
  if (encoding.toUpperCase() === "B") return Buffer.from(text, "base64");
  // Q: "_" is a space, =XX a byte, the rest as it is.
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "_") bytes.push(0x20);
    else if (c === "=" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/** The text of a value made only of encoded-words in UTF-8, ISO-8859-1 or US-ASCII; undefined for anything else. */
export function decodeWords(value: string): string | undefined {
  if (!ONLY_WORDS.test(value)) return undefined;
  let out = "";
  for (const [, charset, encoding, text] of value.matchAll(WORD)) {
    const bytes = wordBytes(encoding!, text!);
    const cs = charset!.toLowerCase().split("*")[0];
    if (cs === "utf-8" || cs === "utf8") out += bytes.toString("utf8");
    else if (cs === "iso-8859-1" || cs === "latin1" || cs === "us-ascii") out += bytes.toString("latin1");
    else return undefined;
  }
  return out;
}

/** A stored value as a header carries it: itself when printable US-ASCII, else one B-encoded UTF-8 word. */
export function encodeWord(value: string): string {
  return PRINTABLE_ASCII.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, "utf8").toString("base64")}?=`;
}
