// A bucket's objects, one folder (by "/") at a time: breadcrumb, search by prefix, paging; for each
// object download, share, versions and delete. Names are shown from the folder they are in.
import { all, read, s3Error, s3url, tagText, write, xml } from "./api.ts";
import { button, byId, cell, el, say, size, wide } from "./dom.ts";
import { go, place, refreshFolder, show } from "./nav.ts";
import { deleteFolder } from "./delete.ts";
import { showDetails } from "./details.ts";
import { openShare } from "./share.ts";
import { showVersions } from "./versions.ts";
import { showVersioning } from "./versioning.ts";

function crumbs(): void {
  const list = byId("crumbs");
  list.replaceChildren();
  const item = (label: string, to: () => unknown, current: boolean) => {
    const li = el("li");
    if (current) {
      const here = el("span", label);
      here.setAttribute("aria-current", "page");
      li.append(here);
    } else {
      li.append(button(label, to, undefined, "link"));
    }
    list.append(li);
  };
  item("Buckets", () => go.buckets(), false);
  const parts = place.prefix.split("/").filter(Boolean);
  item(place.bucket, () => go.folder(place.bucket, "", ""), parts.length === 0);
  parts.forEach((p, i) => item(p, () => go.folder(place.bucket, `${parts.slice(0, i + 1).join("/")}/`, ""), i === parts.length - 1));
}

function objectRow(bucket: string, prefix: string, folder: string, c: Element): HTMLTableRowElement {
  const key = tagText(c, "Key");
  const download = el("a", "Download");
  download.href = s3url(bucket, key);
  download.setAttribute("download", key.split("/").pop() || "download");
  download.setAttribute("aria-label", `Download ${key}`);
  const remove = button("Delete", async () => {
    if (!confirm(`Delete ${key}?`)) return;
    const res = await write("DELETE", s3url(bucket, key));
    if (!res.ok) return say("objects-error", `Delete failed: ${await s3Error(res)}`);
    await refreshFolder(bucket, prefix);
  }, `Delete ${key}`);
  const pick = el("input");
  pick.type = "checkbox";
  pick.value = key;
  pick.setAttribute("aria-label", `Select ${key}`);
  const tr = el("tr");
  tr.append(
    cell(pick), el("td", key.slice(folder.length)), el("td", size(Number(tagText(c, "Size")))), wide(tagText(c, "LastModified")),
    cell(download, button("Details", () => showDetails(bucket, key), `Details of ${key}`), button("Share", () => openShare(key), `Share ${key}`), button("Versions", () => showVersions(key), `Versions of ${key}`), remove),
  );
  return tr;
}

export async function openFolder(bucket: string, prefix: string, token: string): Promise<void> {
  if (place.bucket !== bucket || place.prefix !== prefix) {
    for (const panel of ["share", "versions", "details", "settings"]) byId(panel).hidden = true;
  }
  if (place.bucket !== bucket) void showVersioning(bucket);
  Object.assign(place, { bucket, prefix, token });
  show("objects");
  crumbs();
  byId("objects-title").textContent = prefix ? `${bucket} / ${prefix}` : bucket;
  const query = `list-type=2&delimiter=%2F&max-keys=200&prefix=${encodeURIComponent(prefix)}${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`;
  const res = await read(s3url(bucket, undefined, query));
  const rows = byId("object-rows");
  if (!token) rows.replaceChildren();
  byId<HTMLButtonElement>("delete-selected").disabled = true;
  if (!res.ok) return say("objects-error", `Listing failed: ${await s3Error(res)}`);
  say("objects-error", "");
  const doc = await xml(res);
  // Names are shown from the folder the prefix is in (a search for "docs/b" shows "big.bin").
  const folder = prefix.slice(0, prefix.lastIndexOf("/") + 1);
  for (const p of all(doc, "CommonPrefixes")) {
    const sub = tagText(p, "Prefix");
    const tr = el("tr");
    tr.append(
      el("td"), cell(button(sub.slice(folder.length), () => openFolder(bucket, sub, ""), undefined, "link")), el("td", "folder"), wide(""),
      cell(button("Delete folder", () => deleteFolder(bucket, sub), `Delete everything under ${sub}`)),
    );
    rows.append(tr);
  }
  for (const c of all(doc, "Contents")) rows.append(objectRow(bucket, prefix, folder, c));
  const next = tagText(doc, "NextContinuationToken");
  const more = byId<HTMLButtonElement>("more");
  more.hidden = !next;
  more.onclick = () => void openFolder(bucket, prefix, next);
}
