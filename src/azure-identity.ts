// Microsoft Entra ID credentials for the Azure SDKs when no key is configured: @azure/identity's
// default chain (environment service principal, workload identity, managed identity, Azure CLI,
// ...), loaded only then, so a server with keys or no Azure at all never pays for it.
import type { TokenCredential } from "@azure/core-auth";

export async function defaultAzureCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new DefaultAzureCredential();
}
