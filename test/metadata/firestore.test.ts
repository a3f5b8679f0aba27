// The metadata contract on the Cloud Firestore emulator (loopback), a fresh collection prefix per
// test. Where the emulator is not installed, these tests skip with one line saying how to get it.
import { afterAll, beforeAll, describe, setDefaultTimeout } from "bun:test";
import { FirestoreMetadataStore } from "../../src/metadata/firestore.ts";
import { firestoreEmulatorUnavailable, startFirestoreEmulator, type FirestoreEmulator } from "../../e2e/helpers/firestore-emulator.ts";
import { requires, unless } from "../../e2e/helpers/requires.ts";
import { metadataContract } from "../contract/metadata.contract.ts";

setDefaultTimeout(120_000);
const missing = !requires("the Cloud Firestore emulator", firestoreEmulatorUnavailable());

describe.skipIf(missing)("firestore (emulator)", () => {
  let emulator: FirestoreEmulator;
  beforeAll(async () => {
    emulator = await startFirestoreEmulator();
    Object.assign(process.env, { METADATA_SERVER_DETECTION: "none" });
  });
  afterAll(async () => {
    await emulator?.[Symbol.asyncDispose]();
  });
  let collection = "";
  let n = 0;
  const store = () => new FirestoreMetadataStore({ collection, project: "demo-bleepstore", credentialsFile: "", endpoint: emulator.host });
  metadataContract("firestore", async () => {
    collection = `c${++n}x${Date.now()}`;
    return store();
  }, undefined, async () => {
    const twin = store();
    await twin.init();
    return twin;
  });
});
