// metadata.engine: cosmos on the Cosmos DB emulator of @vercel/cosmosdb-server: each core e2e file and
// --check (the engine's contract runs in test/metadata/cosmos.test.ts).
import { setDefaultTimeout } from "bun:test";
import { cloudEngineSuite } from "./helpers/cloud-suite.ts";

setDefaultTimeout(1_200_000);
cloudEngineSuite("cosmos", "the core e2e files and --check on the Cosmos DB emulator");
