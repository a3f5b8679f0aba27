// multipart/form-data for POST Object, streamed: the fields before the `file` part are read (small,
// bounded), then the file part is handed over as a stream that ends at its closing boundary — never
// buffered whole. Parts after the file are not read (S3 ignores them).
import { S3Error } from "../errors.ts";

const MAX_FIELDS_BYTES = 1024 * 1024;
const enc = new TextEncoder();
const dec = new TextDecoder();

export interface FormFile {
  filename: string;
  contentType: string;
  stream: AsyncGenerator<Uint8Array>;
}

export interface Form {
  /** Field names lower-cased (S3 matches them case-insensitively), values as sent. */
  fields: Map<string, string>;
  /** Field names as sent, in order (the policy check speaks of them). */
  names: string[];
  file: FormFile;
}

const malformed = (message: string) => new S3Error("MalformedPOSTRequest", { message });

export function boundaryOf(contentType: string | null): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

function partHeaders(text: string): { name?: string; filename?: string; contentType?: string } {
  const out: { name?: string; filename?: string; contentType?: string } = {};
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i < 0) continue;
    const header = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (header === "content-disposition") {
      const name = /\bname="([^"]*)"/i.exec(value);
      const filename = /\bfilename="([^"]*)"/i.exec(value);
      if (name) out.name = name[1]!;
      if (filename) out.filename = filename[1]!;
    } else if (header === "content-type") {
      out.contentType = value;
    }
  }
  return out;
}

/** Reads the form's fields up to its `file` part; the file's bytes are then read from `file.stream`. */
export async function readForm(body: AsyncIterable<Uint8Array> | null, boundary: string): Promise<Form> {
  if (!body) throw malformed("The body of your POST request is not well-formed multipart/form-data.");
  const iterator = body[Symbol.asyncIterator]();
  const delimiter = enc.encode(`\r\n--${boundary}`);
  // The first boundary has no CRLF before it: prefixing one makes every boundary look alike.
  let buf: Uint8Array = enc.encode("\r\n");
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const { value, done } = await iterator.next();
    if (done) {
      ended = true;
      return false;
    }
    buf = concat(buf, value);
    return true;
  };
  const fields = new Map<string, string>();
  const names: string[] = [];
  let read = 0;
  for (;;) {
    // A part starts after a delimiter and its CRLF; its headers end at a blank line.
    let at = indexOf(buf, delimiter);
    while (at === -1 || buf.length < at + delimiter.length + 2) {
      if (!(await more())) throw malformed("The body of your POST request is not well-formed multipart/form-data.");
      at = indexOf(buf, delimiter);
    }
    const after = buf.subarray(at + delimiter.length, at + delimiter.length + 2);
    if (after[0] === 45 && after[1] === 45) throw new S3Error("InvalidArgument", { message: "POST requires exactly one file upload per request.", detail: { ArgumentName: "file", ArgumentValue: "0" } });
    buf = buf.subarray(at + delimiter.length + 2);
    let headerEnd = indexOf(buf, enc.encode("\r\n\r\n"));
    while (headerEnd === -1) {
      if (buf.length > 16 * 1024 || !(await more())) throw malformed("The body of your POST request is not well-formed multipart/form-data.");
      headerEnd = indexOf(buf, enc.encode("\r\n\r\n"));
    }
    const headers = partHeaders(dec.decode(buf.subarray(0, headerEnd)));
    buf = buf.subarray(headerEnd + 4);
    if (!headers.name) throw malformed("A form part without a name.");
    if (headers.name.toLowerCase() === "file") {
      const file = { filename: headers.filename ?? "", contentType: headers.contentType ?? "", stream: fileStream() };
      return { fields, names, file };
    }
    let end = indexOf(buf, delimiter);
    while (end === -1) {
      if (buf.length > MAX_FIELDS_BYTES || !(await more())) throw malformed("The form fields before the file are too large or the body ended early.");
      end = indexOf(buf, delimiter);
    }
    read += end;
    if (read > MAX_FIELDS_BYTES) throw malformed("The form fields before the file are too large.");
    names.push(headers.name);
    fields.set(headers.name.toLowerCase(), dec.decode(buf.subarray(0, end)));
    buf = buf.subarray(end);
  }

  /** The file part's bytes, up to the next delimiter; the rest of the body is not read. */
  async function* fileStream(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const end = indexOf(buf, delimiter);
      if (end !== -1) {
        if (end > 0) yield buf.slice(0, end);
        return;
      }
      // Keep what could be the start of a delimiter split across chunks.
      const keep = Math.min(buf.length, delimiter.length - 1);
      const ready = buf.length - keep;
      if (ready > 0) {
        yield buf.slice(0, ready);
        buf = buf.subarray(ready);
      }
      if (!(await more())) throw new S3Error("IncompleteBody", { message: "The file part ended before its closing boundary." });
    }
  }
}
