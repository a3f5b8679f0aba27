// The buckets the signed-in key can list, with their object counts and sizes; creating and deleting one.
import { all, api, read, s3Error, s3url, tagText, write, xml } from "./api.ts";
import { button, byId, cell, el, say, size, wide } from "./dom.ts";
import { go, show } from "./nav.ts";

interface Stats {
  buckets: Array<{ bucket: string; objects: number; bytes: number }>;
}

export async function listBuckets(): Promise<void> {
  show("buckets");
  const [res, stats] = await Promise.all([read(s3url("")), api<Stats>("GET", "bucket-stats")]);
  const rows = byId("bucket-rows");
  rows.replaceChildren();
  if (!res.ok) return say("buckets-error", `Listing the buckets failed: ${await s3Error(res)}`);
  const counts = new Map((stats.ok ? stats.body.buckets : []).map((s) => [s.bucket, s]));
  for (const b of all(await xml(res), "Bucket")) {
    const name = tagText(b, "Name");
    const count = counts.get(name);
    const remove = button("Delete", async () => {
      if (!confirm(`Delete the bucket ${name}? It must be empty.`)) return;
      const res = await write("DELETE", s3url(name));
      if (!res.ok) return say("buckets-error", `Deleting ${name} failed: ${await s3Error(res)}`);
      say("buckets-error", "");
      await listBuckets();
    }, `Delete bucket ${name}`);
    const tr = el("tr");
    tr.append(
      cell(button(name, () => go.folder(name, "", ""), undefined, "link")), el("td", count ? count.objects.toLocaleString("en") : ""),
      el("td", count ? size(count.bytes) : ""), wide(tagText(b, "CreationDate")), cell(remove),
    );
    rows.append(tr);
  }
}

export function wireBuckets(): void {
  byId("create-bucket").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>("new-bucket");
    const name = input.value.trim();
    const res = await write("PUT", s3url(name));
    if (!res.ok) return say("buckets-error", `Creating ${name} failed: ${await s3Error(res)}`);
    say("buckets-error", "");
    input.value = "";
    await listBuckets();
  });
}
