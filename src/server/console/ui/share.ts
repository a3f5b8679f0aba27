// Share links: a presigned GET of an object with a chosen expiry, made by the server for the signed-in
// key, and a copy button.
import { api } from "./api.ts";
import { byId } from "./dom.ts";
import { place } from "./nav.ts";

let sharing = "";

export function openShare(key: string): void {
  sharing = key;
  byId("share").hidden = false;
  byId("share-key").textContent = key;
  byId<HTMLInputElement>("share-url").value = "";
  byId("share-status").textContent = "";
  byId("share-make").focus();
}

export function wireShare(): void {
  byId("share-make").addEventListener("click", async () => {
    const expiresSeconds = Number(byId<HTMLSelectElement>("share-expiry").value);
    const res = await api<{ url: string; expires: string }>("POST", "share", { bucket: place.bucket, key: sharing, expiresSeconds });
    if (!res.ok) {
      byId("share-status").textContent = res.body.error ?? "Making the link failed.";
      return;
    }
    byId<HTMLInputElement>("share-url").value = res.body.url;
    byId("share-status").textContent = `Valid until ${res.body.expires}`;
  });
  byId("share-copy").addEventListener("click", async () => {
    const url = byId<HTMLInputElement>("share-url");
    try {
      await navigator.clipboard.writeText(url.value);
      byId("share-status").textContent = "Copied.";
    } catch {
      url.select();
      byId("share-status").textContent = "Select the link and copy it (the clipboard is not available here).";
    }
  });
}
