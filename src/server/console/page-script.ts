// The console page's script (plain browser JavaScript, no template literals inside): every call goes to
// this server's /_bleepstore/console (the session API, and /s3/… as the signed-in key); every name is
// put on the page with textContent, never as HTML. Uploads over 8 MiB are multipart, three parts at a
// time, each file with its own progress bar; Cancel aborts the upload.
export const CONSOLE_SCRIPT = String.raw`
const base = location.pathname.replace(/\/+$/, "");
const PART = 8 * 1024 * 1024;
let csrf = "";
let place = { bucket: "", prefix: "", token: "" };
const $ = (id) => document.getElementById(id);
const el = (tag, text) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; };
const path = (key) => key.split("/").map(encodeURIComponent).join("/");
const s3url = (bucket, key, query) => base + "/s3/" + encodeURIComponent(bucket) + (key !== undefined ? "/" + path(key) : "") + (query ? "?" + query : "");
const write = (method, url, body, headers) => fetch(url, { method, body, headers: Object.assign({ "x-bleepstore-csrf": csrf }, headers || {}) });
const size = (n) => n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KiB" : n < 1073741824 ? (n / 1048576).toFixed(1) + " MiB" : (n / 1073741824).toFixed(2) + " GiB";
const xml = async (res) => new DOMParser().parseFromString(await res.text(), "application/xml");
const tagText = (node, tag) => node.getElementsByTagName(tag)[0]?.textContent ?? "";
async function s3Error(res) {
  try { const doc = await xml(res); return tagText(doc, "Code") + ": " + tagText(doc, "Message"); } catch { return "HTTP " + res.status; }
}
function show(view, accessKey) {
  $("signin").hidden = view !== "signin";
  $("buckets").hidden = view !== "buckets";
  $("objects").hidden = view !== "objects";
  $("who").hidden = view === "signin";
  if (accessKey !== undefined) $("key").textContent = accessKey;
}
async function buckets() {
  show("buckets");
  const res = await fetch(base + "/s3/");
  const rows = $("bucket-rows");
  rows.replaceChildren();
  if (!res.ok) { $("buckets-error").textContent = "Listing the buckets failed: " + await s3Error(res); return; }
  $("buckets-error").textContent = "";
  for (const b of (await xml(res)).getElementsByTagName("Bucket")) {
    const tr = el("tr");
    const name = tagText(b, "Name");
    const open = el("button", name);
    open.className = "link";
    open.type = "button";
    open.addEventListener("click", () => objects(name, "", ""));
    const cell = el("td");
    cell.append(open);
    tr.append(cell, el("td", tagText(b, "CreationDate")));
    rows.append(tr);
  }
}
function crumbs() {
  const list = $("crumbs");
  list.replaceChildren();
  const item = (label, go, current) => {
    const li = el("li");
    if (current) { const s = el("span", label); s.setAttribute("aria-current", "page"); li.append(s); }
    else { const b = el("button", label); b.type = "button"; b.className = "link"; b.addEventListener("click", go); li.append(b); }
    list.append(li);
  };
  item("Buckets", () => buckets(), false);
  const parts = place.prefix.split("/").filter(Boolean);
  item(place.bucket, () => objects(place.bucket, "", ""), parts.length === 0);
  parts.forEach((p, i) => item(p, () => objects(place.bucket, parts.slice(0, i + 1).join("/") + "/", ""), i === parts.length - 1));
}
async function objects(bucket, prefix, token) {
  const moved = place.bucket !== bucket || place.prefix !== prefix;
  if (moved) { $("share").hidden = true; $("versions").hidden = true; }
  if (place.bucket !== bucket) void versioning(bucket);
  place = { bucket, prefix, token };
  show("objects");
  crumbs();
  $("objects-title").textContent = prefix ? bucket + " / " + prefix : bucket;
  const query = "list-type=2&delimiter=%2F&max-keys=200&prefix=" + encodeURIComponent(prefix) + (token ? "&continuation-token=" + encodeURIComponent(token) : "");
  const res = await fetch(s3url(bucket, undefined, query));
  const rows = $("object-rows");
  if (!token) rows.replaceChildren();
  if (!res.ok) { $("objects-error").textContent = "Listing failed: " + await s3Error(res); return; }
  $("objects-error").textContent = "";
  const doc = await xml(res);
  // Names are shown from the folder the prefix is in (a search for "docs/b" shows "big.bin").
  const folder = prefix.slice(0, prefix.lastIndexOf("/") + 1);
  for (const p of doc.getElementsByTagName("CommonPrefixes")) {
    const sub = tagText(p, "Prefix");
    const tr = el("tr");
    const open = el("button", sub.slice(folder.length));
    open.type = "button";
    open.className = "link";
    open.addEventListener("click", () => objects(bucket, sub, ""));
    const cell = el("td");
    cell.append(open);
    tr.append(cell, el("td", "folder"), el("td", ""), el("td", ""));
    rows.append(tr);
  }
  for (const c of doc.getElementsByTagName("Contents")) {
    const key = tagText(c, "Key");
    const tr = el("tr");
    const download = el("a", "Download");
    download.href = s3url(bucket, key);
    download.setAttribute("download", key.split("/").pop() || "download");
    download.setAttribute("aria-label", "Download " + key);
    const remove = el("button", "Delete");
    remove.type = "button";
    remove.setAttribute("aria-label", "Delete " + key);
    remove.addEventListener("click", async () => {
      if (!confirm("Delete " + key + "?")) return;
      const res = await write("DELETE", s3url(bucket, key));
      if (!res.ok) { $("objects-error").textContent = "Delete failed: " + await s3Error(res); return; }
      await objects(bucket, prefix, "");
    });
    const share = el("button", "Share");
    share.type = "button";
    share.setAttribute("aria-label", "Share " + key);
    share.addEventListener("click", () => {
      sharing = key;
      $("share").hidden = false;
      $("share-key").textContent = key;
      $("share-url").value = "";
      $("share-status").textContent = "";
      $("share-make").focus();
    });
    const versions = el("button", "Versions");
    versions.type = "button";
    versions.setAttribute("aria-label", "Versions of " + key);
    versions.addEventListener("click", () => showVersions(key));
    const actions = el("td");
    actions.append(download, document.createTextNode(" "), share, document.createTextNode(" "), versions, document.createTextNode(" "), remove);
    tr.append(el("td", key.slice(folder.length)), el("td", size(Number(tagText(c, "Size")))), el("td", tagText(c, "LastModified")), actions);
    rows.append(tr);
  }
  const next = tagText(doc, "NextContinuationToken");
  $("more").hidden = !next;
  $("more").onclick = () => objects(bucket, prefix, next);
}
async function versioning(bucket) {
  const res = await fetch(s3url(bucket, undefined, "versioning"));
  const state = res.ok ? tagText(await xml(res), "Status") || "Off" : "unknown";
  $("versioning").textContent = state;
  $("versioning-toggle").textContent = state === "Enabled" ? "Suspend versioning" : "Turn versioning on";
  $("versioning-toggle").onclick = async () => {
    const status = state === "Enabled" ? "Suspended" : "Enabled";
    const body = "<VersioningConfiguration><Status>" + status + "</Status></VersioningConfiguration>";
    const res = await write("PUT", s3url(bucket, undefined, "versioning"), body, { "content-type": "application/xml" });
    if (!res.ok) { $("objects-error").textContent = "Changing versioning failed: " + await s3Error(res); return; }
    await versioning(bucket);
  };
}
async function showVersions(key) {
  const bucket = place.bucket;
  $("versions").hidden = false;
  $("versions-key").textContent = key;
  const rows = $("version-rows");
  rows.replaceChildren();
  const res = await fetch(s3url(bucket, undefined, "versions&prefix=" + encodeURIComponent(key)));
  if (!res.ok) { $("objects-error").textContent = "Listing versions failed: " + await s3Error(res); return; }
  const doc = await xml(res);
  const entries = [...doc.getElementsByTagName("Version"), ...doc.getElementsByTagName("DeleteMarker")]
    .filter((v) => tagText(v, "Key") === key)
    .sort((a, b) => tagText(b, "LastModified").localeCompare(tagText(a, "LastModified")));
  for (const v of entries) {
    const id = tagText(v, "VersionId");
    const marker = v.tagName === "DeleteMarker";
    const latest = tagText(v, "IsLatest") === "true";
    const tr = el("tr");
    const actions = el("td");
    if (!marker) {
      const download = el("a", "Download");
      download.href = s3url(bucket, key, "versionId=" + encodeURIComponent(id));
      download.setAttribute("aria-label", "Download version " + id);
      actions.append(download, document.createTextNode(" "));
      if (!latest) {
        const restore = el("button", "Restore");
        restore.type = "button";
        restore.setAttribute("aria-label", "Restore version " + id);
        restore.addEventListener("click", async () => {
          const res = await write("PUT", s3url(bucket, key), undefined, { "x-amz-copy-source": "/" + bucket + "/" + path(key) + "?versionId=" + encodeURIComponent(id) });
          if (!res.ok) { $("objects-error").textContent = "Restoring failed: " + await s3Error(res); return; }
          await objects(bucket, place.prefix, "");
          await showVersions(key);
        });
        actions.append(restore, document.createTextNode(" "));
      }
    }
    const remove = el("button", "Delete");
    remove.type = "button";
    remove.setAttribute("aria-label", "Delete version " + id);
    remove.addEventListener("click", async () => {
      if (!confirm("Delete version " + id + " of " + key + " for good?")) return;
      const res = await write("DELETE", s3url(bucket, key, "versionId=" + encodeURIComponent(id)));
      if (!res.ok) { $("objects-error").textContent = "Deleting the version failed: " + await s3Error(res); return; }
      await objects(bucket, place.prefix, "");
      await showVersions(key);
    });
    actions.append(remove);
    tr.append(el("td", id + (latest ? " (current)" : "") + (marker ? " — delete marker" : "")), el("td", marker ? "" : size(Number(tagText(v, "Size")))), el("td", tagText(v, "LastModified")), actions);
    rows.append(tr);
  }
}
function send(method, url, body, progress, xhrs) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    xhrs.add(x);
    x.open(method, url);
    x.setRequestHeader("x-bleepstore-csrf", csrf);
    x.upload.onprogress = (e) => progress(e.loaded);
    x.onload = () => { xhrs.delete(x); x.status < 300 ? resolve(x) : reject(new Error(x.status + " " + (x.responseXML ? tagText(x.responseXML, "Code") : ""))); };
    x.onerror = () => { xhrs.delete(x); reject(new Error("network error")); };
    x.onabort = () => { xhrs.delete(x); reject(new Error("cancelled")); };
    x.send(body);
  });
}
async function upload(file) {
  const bucket = place.bucket;
  const key = place.prefix + (file.webkitRelativePath || file.name);
  const li = el("li");
  const label = el("span", key + " ");
  const bar = el("progress");
  bar.max = file.size || 1;
  bar.value = 0;
  bar.setAttribute("aria-label", "Upload of " + key);
  const status = el("span", " uploading");
  const cancel = el("button", "Cancel");
  cancel.type = "button";
  li.append(label, bar, status, document.createTextNode(" "), cancel);
  $("uploads").append(li);
  const xhrs = new Set();
  let cancelled = false;
  let abortUpload = async () => {};
  cancel.addEventListener("click", async () => { cancelled = true; for (const x of xhrs) x.abort(); await abortUpload(); });
  try {
    if (file.size <= PART) {
      await send("PUT", s3url(bucket, key), file, (n) => { bar.value = n; }, xhrs);
    } else {
      const created = await write("POST", s3url(bucket, key, "uploads"));
      if (!created.ok) throw new Error(await s3Error(created));
      const uploadId = tagText(await xml(created), "UploadId");
      abortUpload = () => write("DELETE", s3url(bucket, key, "uploadId=" + encodeURIComponent(uploadId)));
      const count = Math.ceil(file.size / PART);
      const sent = new Array(count).fill(0);
      const etags = new Array(count);
      let nextPart = 0;
      const worker = async () => {
        while (nextPart < count && !cancelled) {
          const i = nextPart++;
          const x = await send("PUT", s3url(bucket, key, "partNumber=" + (i + 1) + "&uploadId=" + encodeURIComponent(uploadId)), file.slice(i * PART, (i + 1) * PART),
            (n) => { sent[i] = n; bar.value = sent.reduce((a, b) => a + b, 0); }, xhrs);
          etags[i] = x.getResponseHeader("etag");
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      if (cancelled) throw new Error("cancelled");
      const body = "<CompleteMultipartUpload>" + etags.map((e, i) => "<Part><PartNumber>" + (i + 1) + "</PartNumber><ETag>" + e + "</ETag></Part>").join("") + "</CompleteMultipartUpload>";
      const done = await write("POST", s3url(bucket, key, "uploadId=" + encodeURIComponent(uploadId)), body, { "content-type": "application/xml" });
      if (!done.ok) throw new Error(await s3Error(done));
      const doc = await xml(done);
      if (doc.getElementsByTagName("Error").length > 0) throw new Error(tagText(doc, "Code"));
    }
    bar.value = bar.max;
    status.textContent = " done";
    cancel.remove();
  } catch (err) {
    status.textContent = cancelled ? " cancelled" : " failed: " + err.message;
    cancel.remove();
    if (cancelled) await abortUpload();
  }
}
async function start() {
  const res = await fetch(base + "/api/session");
  if (!res.ok) { show("signin"); return; }
  const s = await res.json();
  csrf = s.csrf;
  show("buckets", s.accessKey);
  await buckets();
}
$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("signin-error").textContent = "";
  const res = await fetch(base + "/api/session", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ accessKey: $("ak").value, secretKey: $("sk").value }),
  });
  if (!res.ok) { $("signin-error").textContent = (await res.json().catch(() => ({}))).error ?? "Sign-in failed."; return; }
  $("sk").value = "";
  await start();
});
$("signout").addEventListener("click", async () => {
  await write("DELETE", base + "/api/session");
  csrf = "";
  show("signin");
});
let sharing = "";
$("share-make").addEventListener("click", async () => {
  const res = await fetch(base + "/api/share", {
    method: "POST", headers: { "content-type": "application/json", "x-bleepstore-csrf": csrf },
    body: JSON.stringify({ bucket: place.bucket, key: sharing, expiresSeconds: Number($("share-expiry").value) }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) { $("share-status").textContent = body.error ?? "Making the link failed."; return; }
  $("share-url").value = body.url;
  $("share-status").textContent = "Valid until " + body.expires;
});
$("share-copy").addEventListener("click", async () => {
  try { await navigator.clipboard.writeText($("share-url").value); $("share-status").textContent = "Copied."; }
  catch { $("share-url").select(); $("share-status").textContent = "Select the link and copy it (the clipboard is not available here)."; }
});
$("search").addEventListener("submit", (e) => { e.preventDefault(); objects(place.bucket, $("prefix").value, ""); });
$("files").addEventListener("change", async () => {
  const files = [...$("files").files];
  $("files").value = "";
  await Promise.all(files.map(upload));
  await objects(place.bucket, place.prefix, "");
});
start().catch((err) => { document.body.append(document.createTextNode("The console could not start: " + err)); });
`;
