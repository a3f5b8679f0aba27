// The console's script: wires the views together and starts at the sign-in form or the buckets.
import { listBuckets } from "./buckets.ts";
import { byId } from "./dom.ts";
import { go, place, show } from "./nav.ts";
import { openFolder } from "./objects.ts";
import { resume, wireSession } from "./session.ts";
import { wireShare } from "./share.ts";
import { upload } from "./uploads.ts";

go.signIn = () => show("signin");
go.buckets = listBuckets;
go.folder = openFolder;

wireSession();
wireShare();
byId("search").addEventListener("submit", (e) => {
  e.preventDefault();
  void openFolder(place.bucket, byId<HTMLInputElement>("prefix").value, "");
});
byId("files").addEventListener("change", async () => {
  const input = byId<HTMLInputElement>("files");
  const files = [...(input.files ?? [])];
  input.value = "";
  const { bucket, prefix } = place;
  await Promise.all(files.map((f) => upload(bucket, prefix + (f.webkitRelativePath || f.name), f)));
  await openFolder(place.bucket, place.prefix, "");
});
resume().catch((err: unknown) => {
  document.body.append(document.createTextNode(`The console could not start: ${String(err)}`));
});
