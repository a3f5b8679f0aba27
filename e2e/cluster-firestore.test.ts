// Cluster mode on a cloud engine: two nodes on the Firestore emulator sharing Azurite (e2e/engines/cluster-cloud.isolated.ts).
import { setDefaultTimeout } from "bun:test";
import { clusterCloudFile } from "./helpers/cluster-cloud.ts";
import { firestoreEmulatorUnavailable } from "./helpers/firestore-emulator.ts";

setDefaultTimeout(900_000);
clusterCloudFile("firestore", "cluster mode on the Firestore emulator and Azurite", firestoreEmulatorUnavailable);
