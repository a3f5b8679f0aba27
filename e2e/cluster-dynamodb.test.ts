// Cluster mode on a cloud engine: two nodes on DynamoDB Local sharing Azurite (e2e/engines/cluster-cloud.isolated.ts).
import { setDefaultTimeout } from "bun:test";
import { clusterCloudFile } from "./helpers/cluster-cloud.ts";
import { dynamoDbLocalUnavailable } from "./helpers/dynamodb-local.ts";

setDefaultTimeout(900_000);
clusterCloudFile("dynamodb", "cluster mode on DynamoDB Local and Azurite", dynamoDbLocalUnavailable);
