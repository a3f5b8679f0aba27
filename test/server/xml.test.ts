import { describe, expect, test } from "bun:test";
import { buildXml, parseXml, S3_NS } from "../../src/server/xml.ts";

describe("xml", () => {
  test("buildXml escapes every value and adds the S3 namespace", () => {
    const doc = buildXml("ListAllMyBucketsResult", { Owner: { ID: "<id>&" }, Buckets: { Bucket: [{ Name: "a" }, { Name: "b" }] } });
    expect(doc).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>&lt;id&gt;&amp;</ID></Owner>` +
        "<Buckets><Bucket><Name>a</Name></Bucket><Bucket><Name>b</Name></Bucket></Buckets></ListAllMyBucketsResult>",
    );
  });

  test("error documents have no namespace", () => {
    expect(buildXml("Error", { Code: "NoSuchKey" }, false)).toContain("<Error><Code>NoSuchKey</Code></Error>");
  });

  test("a text-only root element", () => {
    expect(buildXml("LocationConstraint", { "#text": "eu-west-1" })).toContain(`<LocationConstraint xmlns="${S3_NS}">eu-west-1</LocationConstraint>`);
  });

  test("parseXml keeps listed paths as arrays and values untrimmed", () => {
    const doc = parseXml('<Delete xmlns="x"><Object><Key> a&amp;b </Key></Object></Delete>', ["Delete.Object"]);
    expect(doc).toEqual({ Delete: { Object: [{ Key: " a&b " }] } });
  });

  test("parseXml decodes numeric character references once, as Go clients write quotes", () => {
    const doc = parseXml("<P><ETag>&#34;abc&#34;</ETag><K>&#x22;&amp;#34;&lt;</K></P>");
    expect(doc).toEqual({ P: { ETag: '"abc"', K: '"&#34;<' } });
  });

  test("parseXml rejects malformed documents and any DTD", () => {
    expect(() => parseXml("<A><B></A>")).toThrow(expect.objectContaining({ code: "MalformedXML" }));
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toThrow(expect.objectContaining({ code: "MalformedXML" }));
    expect(() => parseXml("<a>" + "x".repeat(3 * 1024 * 1024) + "</a>")).toThrow(expect.objectContaining({ code: "MalformedXML" }));
    expect(() => parseXml(`${"<a>".repeat(5000)}${"</a>".repeat(5000)}`)).toThrow(expect.objectContaining({ code: "MalformedXML" }));
    expect(parseXml(`${"<a>".repeat(10)}x${"</a>".repeat(10)}<b/>`.replace(/^/, "<r>") + "</r>")).toBeDefined();
  });
});
