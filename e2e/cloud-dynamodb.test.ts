// metadata.engine: dynamodb on DynamoDB Local (it listens on every interface, so in a network namespace
// of its own): the engine's contract on a fresh table per test, each core e2e file, --check.
import { setDefaultTimeout } from "bun:test";
import { cloudEngineSuite } from "./helpers/cloud-suite.ts";

setDefaultTimeout(1_200_000);
cloudEngineSuite("dynamodb", "dynamodb's contract, the core e2e files and --check on DynamoDB Local", ["./test/metadata/dynamodb.isolated.ts"]);
