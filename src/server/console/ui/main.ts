// The console's script: wires the views together and starts at the sign-in form or the buckets.
import { listBuckets, wireBuckets } from "./buckets.ts";
import { wireDelete } from "./delete.ts";
import { wireDetails } from "./details.ts";
import { wireDrop } from "./drop.ts";
import { showEvents, stopTail, wireEvents } from "./events.ts";
import { forgetNewKey, listKeys, wireKeys } from "./keys.ts";
import { showServer } from "./server.ts";
import { byId } from "./dom.ts";
import { go, place, refreshFolder, show } from "./nav.ts";
import { openFolder } from "./objects.ts";
import { resume, wireSession } from "./session.ts";
import { showSettings } from "./settings.ts";
import { wireShare } from "./share.ts";
import { upload } from "./uploads.ts";

go.signIn = () => show("signin");
go.buckets = listBuckets;
go.folder = openFolder;

/** Uploads into the folder shown, then shows it again. */
async function uploadAll(files: Array<{ key: string; file: File }>): Promise<void> {
  const { bucket, prefix } = place;
  await Promise.all(files.map((f) => upload(bucket, f.key, f.file)));
  await refreshFolder(bucket, prefix);
}

wireSession();
wireBuckets();
wireShare();
wireDelete();
wireDetails();
wireDrop(uploadAll);
wireKeys();
byId("settings-open").addEventListener("click", () => void showSettings(place.bucket));
byId("settings-close").addEventListener("click", () => {
  byId("settings").hidden = true;
  byId("settings-body").replaceChildren();
});
wireEvents();
/** The menu: leaving a page forgets a new key's secret and stops the event tail. */
const menu = (id: string, open: () => unknown) =>
  byId(id).addEventListener("click", () => {
    forgetNewKey();
    if (id !== "to-events") stopTail();
    void open();
  });
menu("to-buckets", listBuckets);
menu("to-keys", listKeys);
menu("to-server", showServer);
menu("to-events", showEvents);
byId("server-refresh").addEventListener("click", () => void showServer());
byId("signout").addEventListener("click", () => {
  forgetNewKey();
  stopTail();
});
byId("search").addEventListener("submit", (e) => {
  e.preventDefault();
  void openFolder(place.bucket, byId<HTMLInputElement>("prefix").value, "");
});
byId("files").addEventListener("change", async () => {
  const input = byId<HTMLInputElement>("files");
  const files = [...(input.files ?? [])];
  input.value = "";
  await uploadAll(files.map((file) => ({ key: place.prefix + file.name, file })));
});
resume().catch((err: unknown) => {
  document.body.append(document.createTextNode(`The console could not start: ${String(err)}`));
});
