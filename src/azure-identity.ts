// Microsoft Entra ID credentials for the Azure SDKs when no key is configured: @azure/identity's
// default chain (environment service principal, workload identity, managed identity, Azure CLI,
// ...), loaded only then, so a server with keys or no Azure at all never pays for it.
import type { TokenCredential } from "@azure/core-auth";

export async function defaultAzureCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new DefaultAzureCredential();
}

/** Azure Blob storage with an account but no key: it signs in with an identity. */
export const storageUsesIdentity = (a: { connection_string: string; account: string }): boolean =>
  !a.connection_string && !!a.account && !process.env.AZURE_STORAGE_KEY;

/** Cosmos DB with no key in its connection string or environment: it signs in with an identity. */
export const cosmosUsesIdentity = (c: { connection_string: string }): boolean =>
  !/AccountKey=/i.test(c.connection_string) && !process.env.AZURE_COSMOS_KEY;
