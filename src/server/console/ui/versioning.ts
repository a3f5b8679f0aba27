// A bucket's versioning state, and turning it on or suspending it.
import { read, s3Error, s3url, tagText, write, xml, xmlBody } from "./api.ts";
import { byId, say } from "./dom.ts";

export async function showVersioning(bucket: string): Promise<void> {
  const res = await read(s3url(bucket, undefined, "versioning"));
  const state = res.ok ? tagText(await xml(res), "Status") || "Off" : "unknown";
  byId("versioning").textContent = state;
  const toggle = byId<HTMLButtonElement>("versioning-toggle");
  toggle.textContent = state === "Enabled" ? "Suspend versioning" : "Turn versioning on";
  toggle.onclick = async () => {
    const body = xmlBody("VersioningConfiguration", { Status: state === "Enabled" ? "Suspended" : "Enabled" });
    const res = await write("PUT", s3url(bucket, undefined, "versioning"), body, { "content-type": "application/xml" });
    if (!res.ok) return say("objects-error", `Changing versioning failed: ${await s3Error(res)}`);
    await showVersioning(bucket);
  };
}
