// metadata.engine: firestore on the Cloud Firestore emulator: each core e2e file and --check (the
// engine's contract runs in test/metadata/firestore.test.ts).
import { setDefaultTimeout } from "bun:test";
import { cloudEngineSuite } from "./helpers/cloud-suite.ts";

setDefaultTimeout(1_200_000);
cloudEngineSuite("firestore", "the core e2e files and --check on the Firestore emulator");
