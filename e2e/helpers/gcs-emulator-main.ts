// The Cloud Storage emulator of npm firebase-tools (13), its HTTP app run in this process: started
// through `firebase emulators:start` it would first download a rules-runtime jar, which this app
// does not need. Usage: bun gcs-emulator-main.ts <port>; prints "listening" once it serves on loopback.
// Its blobs go to $TMPDIR/firebase/storage/blobs (the starter gives it a TMPDIR of its own).
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const emulator = join(import.meta.dir, "..", "..", "node_modules", "firebase-tools", "lib", "emulator");
const { StorageEmulator } = require(join(emulator, "storage", "index.js"));
const { EmulatorRegistry } = require(join(emulator, "registry.js"));
const { createApp } = require(join(emulator, "storage", "server.js"));

const port = Number(process.argv[2]);
const projectId = "demo-bleepstore";
const storage = new StorageEmulator({ projectId, host: "127.0.0.1", port, rules: [], auto_download: false });
// The app builds object links from the registry's entry.
EmulatorRegistry.set("storage", storage);
const app = await createApp(projectId, storage);
app.listen(port, "127.0.0.1", () => console.log("listening"));
