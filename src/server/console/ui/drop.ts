// Uploads by drag and drop: files, and folders with everything in them (their paths kept under the
// folder the console shows), and by the folder picker.
import { byId } from "./dom.ts";
import { place } from "./nav.ts";

type Upload = (files: Array<{ key: string; file: File }>) => Promise<void>;

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

async function entriesOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  // readEntries answers in batches until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, path: string, out: Array<{ key: string; file: File }>): Promise<void> {
  if (entry.isFile) out.push({ key: path + entry.name, file: await fileOf(entry as FileSystemFileEntry) });
  else if (entry.isDirectory) for (const child of await entriesOf(entry as FileSystemDirectoryEntry)) await walk(child, `${path}${entry.name}/`, out);
}

export function wireDrop(upload: Upload): void {
  const zone = byId("drop");
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const prefix = place.prefix;
    const found: Array<{ key: string; file: File }> = [];
    const items = [...(e.dataTransfer?.items ?? [])].filter((i) => i.kind === "file");
    const entries = items.map((i) => i.webkitGetAsEntry());
    if (entries.every((x) => x !== null)) {
      for (const entry of entries) await walk(entry, prefix, found);
    } else {
      for (const file of e.dataTransfer?.files ?? []) found.push({ key: prefix + file.name, file });
    }
    await upload(found);
  });
  byId("folder").addEventListener("change", async () => {
    const input = byId<HTMLInputElement>("folder");
    const files = [...(input.files ?? [])];
    input.value = "";
    await upload(files.map((file) => ({ key: place.prefix + (file.webkitRelativePath || file.name), file })));
  });
}
