// Handler behaviour in process (memory engines, signed requests, no spawned server): listings that
// page across many entries and the XML of versioned responses.
import { beforeAll, expect, test } from "bun:test";
import { parseXml } from "../../src/server/xml.ts";
import { inProcess, type InProcess } from "./in-process.ts";

let s: InProcess;
beforeAll(async () => {
  s = await inProcess();
  expect((await s.send("/bkt", { method: "PUT" })).status).toBe(200);
});

const xml = async (res: Response, lists: string[] = []) => {
  expect(res.status).toBe(200);
  return parseXml(await res.text(), lists);
};

test("ListMultipartUploads pages 60 uploads by key and upload id, rolling up at the delimiter", async () => {
  const created: string[] = [];
  for (const key of ["a/1", "a/2", "b", "c/x", ...Array.from({ length: 56 }, (_, i) => `k${String(i).padStart(2, "0")}`)]) {
    const doc = await xml(await s.send(`/bkt/${key}?uploads`, { method: "POST" }));
    created.push(`${key} ${(doc.InitiateMultipartUploadResult as { UploadId: string }).UploadId}`);
  }
  const seen: string[] = [];
  let markers = "";
  for (let pages = 0; pages < 20; pages++) {
    const doc = (await xml(await s.send(`/bkt?uploads&max-uploads=7${markers}`), ["ListMultipartUploadsResult.Upload"]))
      .ListMultipartUploadsResult as { Upload?: Array<{ Key: string; UploadId: string }>; IsTruncated: string; NextKeyMarker?: string; NextUploadIdMarker?: string };
    seen.push(...(doc.Upload ?? []).map((u) => `${u.Key} ${u.UploadId}`));
    if (doc.IsTruncated !== "true") break;
    markers = `&key-marker=${encodeURIComponent(doc.NextKeyMarker!)}&upload-id-marker=${doc.NextUploadIdMarker}`;
  }
  expect(seen).toEqual(created);
  const rolled = (await xml(await s.send("/bkt?uploads&delimiter=%2F&max-uploads=3"), ["ListMultipartUploadsResult.Upload", "ListMultipartUploadsResult.CommonPrefixes"]))
    .ListMultipartUploadsResult as { Upload?: Array<{ Key: string }>; CommonPrefixes?: Array<{ Prefix: string }>; IsTruncated: string; NextKeyMarker: string };
  expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/", "c/"]);
  expect(rolled.Upload?.map((u) => u.Key)).toEqual(["b"]);
  expect(rolled.IsTruncated).toBe("true");
  expect(rolled.NextKeyMarker).toBe("c/");
  const next = (await xml(await s.send(`/bkt?uploads&delimiter=%2F&max-uploads=3&key-marker=${encodeURIComponent(rolled.NextKeyMarker)}`),
    ["ListMultipartUploadsResult.Upload"])).ListMultipartUploadsResult as { Upload?: Array<{ Key: string }>; CommonPrefixes?: unknown };
  expect(next.Upload?.map((u) => u.Key)).toEqual(["k00", "k01", "k02"]);
  expect(next.CommonPrefixes).toBeUndefined();
});

test("a versioned delete answers with the marker; ListObjectVersions shows versions and markers", async () => {
  const body = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
  expect((await s.send("/bkt?versioning", { method: "PUT", body })).status).toBe(200);
  const put = await s.send("/bkt/v", { method: "PUT", body: "one" });
  const version = put.headers.get("x-amz-version-id")!;
  expect(version).toMatch(/^[0-9a-f]{32}$/);
  const del = await s.send("/bkt/v", { method: "DELETE" });
  expect(del.status).toBe(204);
  expect(del.headers.get("x-amz-delete-marker")).toBe("true");
  const doc = (await xml(await s.send("/bkt?versions&prefix=v"), ["ListVersionsResult.Version", "ListVersionsResult.DeleteMarker"]))
    .ListVersionsResult as { Version: Array<{ VersionId: string; IsLatest: string }>; DeleteMarker: Array<{ VersionId: string; IsLatest: string }> };
  expect(doc.Version.map((v) => [v.VersionId, v.IsLatest])).toEqual([[version, "false"]]);
  expect(doc.DeleteMarker.map((m) => [m.VersionId, m.IsLatest])).toEqual([[del.headers.get("x-amz-version-id")!, "true"]]);
});
