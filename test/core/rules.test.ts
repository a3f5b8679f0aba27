// Pure engine rules: bucket names, keys, ranges, read conditions, key order.
import { describe, expect, test } from "bun:test";
import { checkReadConditions } from "../../src/core/conditions.ts";
import { bucketNameProblem } from "../../src/core/names.ts";
import { resolveRange } from "../../src/core/range.ts";
import { compareKeys, prefixEnd } from "../../src/metadata/listing.ts";

describe("bucket names", () => {
  test.each(["abc", "my-bucket", "my.bucket.1", "a".repeat(63), "1bucket"])("%s is valid", (name) => {
    expect(bucketNameProblem(name)).toBeNull();
  });
  test.each(["ab", "a".repeat(64), "MyBucket", "-abc", "abc-", "a..b", "a.-b", "a-.b", "192.168.1.1", "xn--abc", "a_b", "abc-s3alias", "sthree-x"])(
    "%s is invalid",
    (name) => expect(bucketNameProblem(name)).not.toBeNull(),
  );
});

describe("ranges", () => {
  test("the three forms", () => {
    expect(resolveRange("bytes=0-4", 10)).toEqual({ start: 0, end: 4 });
    expect(resolveRange("bytes=5-", 10)).toEqual({ start: 5, end: 9 });
    expect(resolveRange("bytes=-3", 10)).toEqual({ start: 7, end: 9 });
    expect(resolveRange("bytes=-30", 10)).toEqual({ start: 0, end: 9 });
    expect(resolveRange("bytes=8-100", 10)).toEqual({ start: 8, end: 9 });
  });
  test("what S3 ignores serves the whole object", () => {
    expect(resolveRange(undefined, 10)).toBeNull();
    expect(resolveRange("bytes=0-1,3-4", 10)).toBeNull();
    expect(resolveRange("items=0-1", 10)).toBeNull();
    expect(resolveRange("bytes=5-2", 10)).toBeNull();
  });
  test("unsatisfiable ranges are InvalidRange with Content-Range */size", () => {
    expect(() => resolveRange("bytes=10-", 10)).toThrow(expect.objectContaining({ code: "InvalidRange", headers: { "content-range": "bytes */10" } }));
    expect(() => resolveRange("bytes=-0", 10)).toThrow(expect.objectContaining({ code: "InvalidRange" }));
    expect(() => resolveRange("bytes=0-", 0)).toThrow(expect.objectContaining({ code: "InvalidRange" }));
  });
});

describe("read conditions", () => {
  const modified = Date.UTC(2024, 0, 2, 12, 0, 0);
  const before = new Date(modified - 60_000).toUTCString();
  const after = new Date(modified + 60_000).toUTCString();
  const code = (fn: () => void) => {
    try {
      fn();
      return "ok";
    } catch (err) {
      return (err as { code: string }).code;
    }
  };
  test("If-Match and If-None-Match", () => {
    expect(code(() => checkReadConditions({ ifMatch: '"abc"' }, "abc", modified))).toBe("ok");
    expect(code(() => checkReadConditions({ ifMatch: '"x"' }, "abc", modified))).toBe("PreconditionFailed");
    expect(code(() => checkReadConditions({ ifNoneMatch: '"abc"' }, "abc", modified))).toBe("NotModified");
    expect(code(() => checkReadConditions({ ifNoneMatch: "*" }, "abc", modified))).toBe("NotModified");
  });
  test("dates", () => {
    expect(code(() => checkReadConditions({ ifModifiedSince: after }, "abc", modified))).toBe("NotModified");
    expect(code(() => checkReadConditions({ ifModifiedSince: before }, "abc", modified))).toBe("ok");
    expect(code(() => checkReadConditions({ ifUnmodifiedSince: before }, "abc", modified))).toBe("PreconditionFailed");
    expect(code(() => checkReadConditions({ ifModifiedSince: "not a date" }, "abc", modified))).toBe("ok");
  });
  test("S3 precedence: If-Match beats If-Unmodified-Since, If-None-Match beats If-Modified-Since", () => {
    expect(code(() => checkReadConditions({ ifMatch: "abc", ifUnmodifiedSince: before }, "abc", modified))).toBe("ok");
    expect(code(() => checkReadConditions({ ifNoneMatch: "other", ifModifiedSince: after }, "abc", modified))).toBe("ok");
    expect(code(() => checkReadConditions({ ifMatch: "x", ifNoneMatch: "abc" }, "abc", modified))).toBe("PreconditionFailed");
  });
});

describe("key order", () => {
  test("compareKeys is UTF-8 byte order", () => {
    const keys = ["\u{1F600}", "\uFF5E", "b", "a", "é", "A"];
    const bytes = (s: string) => Buffer.from(s);
    expect([...keys].sort(compareKeys)).toEqual([...keys].sort((x, y) => Buffer.compare(bytes(x), bytes(y))));
  });
  test("prefixEnd is the first key past every key with the prefix", () => {
    expect(prefixEnd("photos/")).toBe("photos0");
    expect(prefixEnd("a\u{10FFFF}")).toBe("b");
    expect(prefixEnd("\uD7FF")).toBe("\uE000");
    expect(prefixEnd("")).toBeNull();
  });
});
