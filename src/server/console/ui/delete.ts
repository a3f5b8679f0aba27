// Deleting many objects at once: the selected ones, or every object under a folder after a confirmation
// that says how many. DeleteObjects, up to 1,000 keys per request.
import { all, read, s3Error, s3url, tagText, write, xml, xmlBody } from "./api.ts";
import { crc32Base64 } from "./checksum.ts";
import { byId, say } from "./dom.ts";
import { place, refreshFolder } from "./nav.ts";

const BATCH = 1000;

/** Deletes `keys` from `bucket`; the keys that could not be deleted, with why. */
async function deleteKeys(bucket: string, keys: string[]): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < keys.length; i += BATCH) {
    const body = xmlBody("Delete", { Quiet: "true", Object: keys.slice(i, i + BATCH).map((Key) => ({ Key })) });
    const res = await write("POST", s3url(bucket, undefined, "delete"), body, { "content-type": "application/xml", "x-amz-checksum-crc32": crc32Base64(body) });
    if (!res.ok) throw new Error(await s3Error(res));
    for (const e of all(await xml(res), "Error")) failed.push(`${tagText(e, "Key")}: ${tagText(e, "Code")}`);
  }
  return failed;
}

/** Every key under `prefix`, listed page by page. */
async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token = "";
  do {
    const res = await read(s3url(bucket, undefined, `list-type=2&max-keys=1000&prefix=${encodeURIComponent(prefix)}${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`));
    if (!res.ok) throw new Error(await s3Error(res));
    const doc = await xml(res);
    for (const c of all(doc, "Contents")) keys.push(tagText(c, "Key"));
    token = tagText(doc, "NextContinuationToken");
  } while (token);
  return keys;
}

async function run(bucket: string, keys: string[]): Promise<void> {
  const { prefix } = place;
  try {
    const failed = await deleteKeys(bucket, keys);
    say("objects-status", `Deleted ${(keys.length - failed.length).toLocaleString("en")} of ${keys.length.toLocaleString("en")} objects.`);
    say("objects-error", failed.length ? `Not deleted: ${failed.slice(0, 10).join("; ")}${failed.length > 10 ? "; …" : ""}` : "");
  } catch (err) {
    say("objects-error", `Delete failed: ${(err as Error).message}`);
  }
  await refreshFolder(bucket, prefix);
}

export async function deleteFolder(bucket: string, prefix: string): Promise<void> {
  say("objects-status", `Counting the objects under ${prefix}…`);
  let keys: string[];
  try {
    keys = await keysUnder(bucket, prefix);
  } catch (err) {
    return say("objects-error", `Listing ${prefix} failed: ${(err as Error).message}`);
  }
  say("objects-status", "");
  if (!confirm(`Delete ${keys.length.toLocaleString("en")} objects under ${prefix}?`)) return;
  await run(bucket, keys);
}

/** The keys whose checkboxes are ticked. */
export const selected = (): string[] => [...byId("object-rows").querySelectorAll<HTMLInputElement>("input[type=checkbox]:checked")].map((c) => c.value);

export function wireDelete(): void {
  byId("object-rows").addEventListener("change", () => {
    byId<HTMLButtonElement>("delete-selected").disabled = selected().length === 0;
  });
  byId("delete-selected").addEventListener("click", async () => {
    const keys = selected();
    if (keys.length === 0 || !confirm(`Delete ${keys.length.toLocaleString("en")} selected objects?`)) return;
    await run(place.bucket, keys);
  });
}
