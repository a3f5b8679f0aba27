// The versions of one object, newest first: download, restore (copy an older version over the key) and
// delete for good, each by version id.
import { all, copySource, read, s3Error, s3url, tagText, write, xml } from "./api.ts";
import { button, byId, cell, el, say, size, wide } from "./dom.ts";
import { go, place } from "./nav.ts";

async function changed(key: string): Promise<void> {
  await go.folder(place.bucket, place.prefix, "");
  await showVersions(key);
}

export async function showVersions(key: string): Promise<void> {
  const bucket = place.bucket;
  byId("versions").hidden = false;
  byId("versions-key").textContent = key;
  const rows = byId("version-rows");
  rows.replaceChildren();
  const res = await read(s3url(bucket, undefined, `versions&prefix=${encodeURIComponent(key)}`));
  if (!res.ok) return say("objects-error", `Listing versions failed: ${await s3Error(res)}`);
  const doc = await xml(res);
  const entries = [...all(doc, "Version"), ...all(doc, "DeleteMarker")]
    .filter((v) => tagText(v, "Key") === key)
    .sort((a, b) => tagText(b, "LastModified").localeCompare(tagText(a, "LastModified")));
  for (const v of entries) {
    const id = tagText(v, "VersionId");
    const marker = v.tagName === "DeleteMarker";
    const latest = tagText(v, "IsLatest") === "true";
    const actions: Node[] = [];
    if (!marker) {
      const download = el("a", "Download");
      download.href = s3url(bucket, key, `versionId=${encodeURIComponent(id)}`);
      download.setAttribute("aria-label", `Download version ${id}`);
      actions.push(download);
      if (!latest) {
        actions.push(button("Restore", async () => {
          const res = await write("PUT", s3url(bucket, key), undefined, { "x-amz-copy-source": copySource(bucket, key, id) });
          if (!res.ok) return say("objects-error", `Restoring failed: ${await s3Error(res)}`);
          await changed(key);
        }, `Restore version ${id}`));
      }
    }
    actions.push(button("Delete", async () => {
      if (!confirm(`Delete version ${id} of ${key} for good?`)) return;
      const res = await write("DELETE", s3url(bucket, key, `versionId=${encodeURIComponent(id)}`));
      if (!res.ok) return say("objects-error", `Deleting the version failed: ${await s3Error(res)}`);
      await changed(key);
    }, `Delete version ${id}`));
    const tr = el("tr");
    tr.append(
      el("td", `${id}${latest ? " (current)" : ""}${marker ? " — delete marker" : ""}`), el("td", marker ? "" : size(Number(tagText(v, "Size")))),
      wide(tagText(v, "LastModified")), cell(...actions),
    );
    rows.append(tr);
  }
}
