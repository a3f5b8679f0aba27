// Cluster mode on a cloud engine: two nodes on the Cosmos DB emulator (@vercel/cosmosdb-server) sharing
// Azurite (e2e/engines/cluster-cloud.isolated.ts).
import { setDefaultTimeout } from "bun:test";
import { clusterCloudFile } from "./helpers/cluster-cloud.ts";

setDefaultTimeout(900_000);
clusterCloudFile("cosmos", "cluster mode on the Cosmos DB emulator and Azurite", () => undefined);
