// Access keys: the list with each key's policy and state; create one with a policy (a built-in or
// JSON, checked by the server, whose message is shown); disable, enable, delete. The new secret is shown
// once, in the answer that created it.
import { api } from "./api.ts";
import { button, byId, cell, el, say, wide } from "./dom.ts";
import { show } from "./nav.ts";

interface KeyView {
  accessKey: string;
  displayName: string;
  createdAt: string;
  policy?: string;
  disabled: boolean;
  secretKey?: string;
}

const BUILTIN = new Set(["readonly", "writeonly", "readwrite", "consoleAdmin"]);

async function act(method: string, path: string, what: string): Promise<void> {
  const res = await api(method, path);
  if (!res.ok) return say("keys-error", `${what} failed: ${res.body.error ?? `HTTP ${res.status}`}`);
  say("keys-error", "");
  await listKeys();
}

export async function listKeys(): Promise<void> {
  show("keys");
  const res = await api<KeyView[]>("GET", "keys");
  const rows = byId("key-rows");
  rows.replaceChildren();
  if (!res.ok) return say("keys-error", res.body.error ?? `Listing the keys failed: HTTP ${res.status}`);
  for (const k of res.body) {
    const path = `keys/${encodeURIComponent(k.accessKey)}`;
    const toggle = k.disabled
      ? button("Enable", () => act("POST", `${path}/enable`, `Enabling ${k.accessKey}`), `Enable ${k.accessKey}`)
      : button("Disable", () => act("POST", `${path}/disable`, `Disabling ${k.accessKey}`), `Disable ${k.accessKey}`);
    const remove = button("Delete", async () => {
      if (confirm(`Delete the access key ${k.accessKey}? Clients using it are refused from now on.`)) await act("DELETE", path, `Deleting ${k.accessKey}`);
    }, `Delete ${k.accessKey}`);
    const tr = el("tr");
    tr.append(
      el("td", k.accessKey), el("td", k.displayName), el("td", k.policy === undefined ? "none" : BUILTIN.has(k.policy) ? k.policy : "custom"),
      el("td", k.disabled ? "disabled" : "enabled"), wide(k.createdAt), cell(toggle, remove),
    );
    rows.append(tr);
  }
}

/** Leaving the page the new secret was shown on: it is gone from the page. */
export function forgetNewKey(): void {
  byId("new-key").hidden = true;
  byId("new-access-key").textContent = "";
  byId("new-secret-key").textContent = "";
}

export function wireKeys(): void {
  const choice = byId<HTMLSelectElement>("key-policy");
  choice.addEventListener("change", () => {
    byId("key-policy-json").hidden = choice.value !== "custom";
    byId("key-policy-json-label").hidden = choice.value !== "custom";
  });
  byId("create-key").addEventListener("submit", async (e) => {
    e.preventDefault();
    const displayName = byId<HTMLInputElement>("key-name").value.trim();
    const policy = choice.value === "custom" ? byId<HTMLTextAreaElement>("key-policy-json").value : choice.value;
    const res = await api<KeyView>("POST", "keys", { ...(displayName ? { displayName } : {}), ...(policy ? { policy } : {}) });
    if (!res.ok) return say("keys-error", `Creating the key failed: ${res.body.error ?? `HTTP ${res.status}`}`);
    say("keys-error", "");
    byId("new-access-key").textContent = res.body.accessKey;
    byId("new-secret-key").textContent = res.body.secretKey ?? "";
    byId("new-key").hidden = false;
    byId<HTMLInputElement>("key-name").value = "";
    await listKeys();
  });
}
