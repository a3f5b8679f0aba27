// The buckets the signed-in key can list.
import { all, read, s3Error, s3url, tagText, xml } from "./api.ts";
import { button, byId, cell, el, say } from "./dom.ts";
import { go, show } from "./nav.ts";

export async function listBuckets(): Promise<void> {
  show("buckets");
  const res = await read(s3url("")); // the service: ListBuckets
  const rows = byId("bucket-rows");
  rows.replaceChildren();
  if (!res.ok) return say("buckets-error", `Listing the buckets failed: ${await s3Error(res)}`);
  say("buckets-error", "");
  for (const b of all(await xml(res), "Bucket")) {
    const name = tagText(b, "Name");
    const tr = el("tr");
    tr.append(cell(button(name, () => go.folder(name, "", ""), undefined, "link")), el("td", tagText(b, "CreationDate")));
    rows.append(tr);
  }
}
