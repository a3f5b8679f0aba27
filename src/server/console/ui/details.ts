// An object's details (size, ETag, type, metadata, tags, encryption, Object Lock, version) from HEAD and
// GetObjectTagging, and a preview: images, video (the browser reads it by ranges), PDF, and the first
// 64 KiB of text or JSON. Every value is shown as text; a PDF is shown from a blob typed as PDF.
import { all, read, s3Error, s3url, tagText, xml } from "./api.ts";
import { byId, el, say, size } from "./dom.ts";

const TEXT_PREVIEW = 64 * 1024;
const TEXT_NAMES = /\.(txt|md|json|csv|log|ya?ml|xml|ini|toml|ts|js|py|go|rs|sh|html?|css)$/i;

function kind(key: string, type: string): "image" | "video" | "pdf" | "json" | "text" | "" {
  if (type.startsWith("image/") && type !== "image/svg+xml") return "image";
  if (type.startsWith("video/")) return "video";
  if (type === "application/pdf" || /\.pdf$/i.test(key)) return "pdf";
  if (type === "application/json" || /\.json$/i.test(key)) return "json";
  if (type.startsWith("text/") || TEXT_NAMES.test(key)) return "text";
  return "";
}

async function preview(bucket: string, key: string, type: string, length: number): Promise<Node | undefined> {
  const url = s3url(bucket, key);
  switch (kind(key, type)) {
    case "image": {
      const img = el("img");
      img.src = url;
      img.alt = `Preview of ${key}`;
      return img;
    }
    case "video": {
      const video = el("video");
      video.controls = true;
      video.preload = "metadata";
      video.src = url;
      video.setAttribute("aria-label", `Preview of ${key}`);
      return video;
    }
    case "pdf": {
      const res = await read(url);
      if (!res.ok) return el("p", `The preview failed: ${await s3Error(res)}`);
      const frame = el("iframe");
      frame.title = `Preview of ${key}`;
      frame.src = URL.createObjectURL(new Blob([await res.arrayBuffer()], { type: "application/pdf" }));
      return frame;
    }
    case "json":
    case "text": {
      if (length === 0) return el("p", "(empty)");
      const res = await fetch(url, { headers: { range: `bytes=0-${TEXT_PREVIEW - 1}` } });
      if (!res.ok) return el("p", `The preview failed: ${await s3Error(res)}`);
      let text = await res.text();
      if (kind(key, type) === "json" && length <= TEXT_PREVIEW) {
        try {
          text = JSON.stringify(JSON.parse(text), null, 2);
        } catch {
          // Not valid JSON: shown as it is.
        }
      }
      const pre = el("pre", length > TEXT_PREVIEW ? `${text}\n… (the first ${size(TEXT_PREVIEW)} of ${size(length)})` : text);
      pre.setAttribute("aria-label", `Preview of ${key}`);
      pre.tabIndex = 0;
      return pre;
    }
    default:
      return undefined;
  }
}

export async function showDetails(bucket: string, key: string): Promise<void> {
  const [head, tagging] = await Promise.all([fetch(s3url(bucket, key), { method: "HEAD" }), read(s3url(bucket, key, "tagging"))]);
  if (!head.ok) return say("objects-error", `Reading the details of ${key} failed: HTTP ${head.status}`);
  const h = head.headers;
  const rows: Array<[string, string]> = [
    ["Size", size(Number(h.get("content-length") ?? 0))], ["ETag", h.get("etag") ?? ""], ["Type", h.get("content-type") ?? ""],
    ["Last modified", h.get("last-modified") ?? ""], ["Storage class", h.get("x-amz-storage-class") ?? "STANDARD"],
  ];
  const version = h.get("x-amz-version-id");
  if (version) rows.push(["Version", version]);
  const sse = h.get("x-amz-server-side-encryption") ?? (h.get("x-amz-server-side-encryption-customer-algorithm") ? "SSE-C" : "");
  rows.push(["Encryption", sse ? `${sse}${h.get("x-amz-server-side-encryption-aws-kms-key-id") ? ` (key ${h.get("x-amz-server-side-encryption-aws-kms-key-id")})` : ""}` : "none"]);
  const lock = h.get("x-amz-object-lock-mode");
  rows.push(["Object Lock", lock ? `${lock} until ${h.get("x-amz-object-lock-retain-until-date") ?? ""}` : "none"]);
  rows.push(["Legal hold", h.get("x-amz-object-lock-legal-hold") ?? "OFF"]);
  for (const [name, value] of h) if (name.startsWith("x-amz-meta-")) rows.push([`Metadata ${name.slice("x-amz-meta-".length)}`, value]);
  const tags = tagging.ok ? all(await xml(tagging), "Tag").map((t) => `${tagText(t, "Key")}=${tagText(t, "Value")}`) : [];
  rows.push(["Tags", tags.join(", ") || "none"]);
  const list = byId("details-list");
  list.replaceChildren(...rows.flatMap(([name, value]) => [el("dt", name), el("dd", value)]));
  byId("details-key").textContent = key;
  const box = byId("preview");
  box.replaceChildren();
  byId("details").hidden = false;
  const shown = await preview(bucket, key, (h.get("content-type") ?? "").split(";")[0]!.trim(), Number(h.get("content-length") ?? 0));
  if (shown) box.append(shown);
  byId("details-close").focus();
}

export function wireDetails(): void {
  byId("details-close").addEventListener("click", () => {
    for (const frame of byId("preview").querySelectorAll("iframe")) URL.revokeObjectURL(frame.src);
    byId("preview").replaceChildren();
    byId("details").hidden = true;
  });
}
