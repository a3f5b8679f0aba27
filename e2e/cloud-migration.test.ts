// Metadata moved through every engine with meta export/import, on the three emulators at once.
import { setDefaultTimeout } from "bun:test";
import { cloudEngineSuite } from "./helpers/cloud-suite.ts";

setDefaultTimeout(1_200_000);
cloudEngineSuite("migration", "sqlite → dynamodb → cosmos → firestore → local → sqlite, each served the same");
