// XML in and out through fast-xml-parser: typed objects to documents via the builder (which escapes
// every value), and request bodies validated, size-capped and parsed with no DTD or entity expansion.
import { XMLBuilder, XMLParser, XMLValidator, type XmlBuilderOptions } from "fast-xml-parser";
import { S3Error } from "../errors.ts";

export const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Largest XML request body accepted (S3 caps DeleteObjects bodies near this size). */
export const MAX_XML_BYTES = 2 * 1024 * 1024;

/** A value the builder renders: text, a nested element, or a list of repeated elements. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

// The builder's own entity replacement runs five regular expressions per value; escape() below does
// the same in one pass (and writes the characters XML 1.0 cannot carry literally as character
// references, as S3 does), and every text and attribute value goes through it in escaped(). No
// callback here reads an element's path, so the builder is told not to spell one out per element.
// (jPath: an option of fast-xml-builder's that fast-xml-parser's types do not list yet.)
const builderOptions: XmlBuilderOptions & { jPath: boolean } = {
  ignoreAttributes: false, attributeNamePrefix: "@_", suppressEmptyNode: false, processEntities: false, jPath: false,
};
const builder = new XMLBuilder(builderOptions);

const SPECIAL_CLASS = "[&<>\"'\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]";
const HAS_SPECIAL = new RegExp(SPECIAL_CLASS);
const SPECIAL = new RegExp(SPECIAL_CLASS, "g");
const NAMED: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

export function escape(text: string): string {
  return HAS_SPECIAL.test(text)
    ? text.replace(SPECIAL, (c) => NAMED[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`)
    : text;
}

/** A copy of `value` with every string escaped. */
function escaped(value: XmlValue): XmlValue {
  if (typeof value === "string") return escape(value);
  if (Array.isArray(value)) return value.map(escaped);
  if (typeof value !== "object") return value;
  const out: XmlNode = {};
  for (const name in value) out[name] = escaped(value[name]);
  return out;
}

/** A complete document with `root` as its element; `namespace` false for Error documents. */
export function buildXml(root: string, body: XmlNode, namespace: string | false = S3_NS): string {
  const node = namespace ? { "@_xmlns": namespace, ...body } : body;
  return XML_DECLARATION + builder.build({ [root]: escaped(node) });
}

/** No S3 request document nests deeper than a handful of elements; deeper ones are refused unparsed. */
export const MAX_XML_DEPTH = 32;

function tooDeep(text: string): boolean {
  let depth = 0;
  for (const m of text.matchAll(/<(\/?)[A-Za-z_][^>]*?(\/?)>/g)) {
    if (m[1]) depth--;
    else if (!m[2] && ++depth > MAX_XML_DEPTH) return true;
  }
  return false;
}

/** Parses a request body; `lists` names the element paths (like "Delete.Object") that are always arrays. */
export function parseXml(text: string, lists: readonly string[] = []): Record<string, unknown> {
  if (text.length > MAX_XML_BYTES) throw new S3Error("MalformedXML", { message: "The XML you provided was too large." });
  if (/<!DOCTYPE|<!ENTITY/i.test(text) || tooDeep(text)) throw new S3Error("MalformedXML");
  try {
    if (XMLValidator.validate(text) !== true) throw new S3Error("MalformedXML");
    return parse(text, lists);
  } catch (err) {
    // Whatever the parser itself trips on (recursion, odd input) is the client's malformed XML.
    throw err instanceof S3Error ? err : new S3Error("MalformedXML", { cause: err });
  }
}

function parse(text: string, lists: readonly string[]): Record<string, unknown> {
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: false,
    processEntities: true,
    // Decodes numeric character references too (Go's encoding/xml, used by rclone, writes " as &#34;),
    // each exactly once.
    htmlEntities: true,
    ignoreDeclaration: true,
    isArray: (_name, path) => lists.includes(String(path)),
  });
  return parser.parse(text) as Record<string, unknown>;
}

/** Reads an XML request body with a size cap, without trusting Content-Length. */
export async function readXmlBody(body: AsyncIterable<Uint8Array> | null): Promise<string> {
  if (!body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_XML_BYTES) throw new S3Error("MalformedXML", { message: "The XML you provided was too large." });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}
