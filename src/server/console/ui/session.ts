// Signing in with an access key and its secret (the server sets the session cookie and hands out the
// CSRF token), finding an existing session at start, and signing out.
import { api, setCsrf } from "./api.ts";
import { byId, say } from "./dom.ts";
import { go, show } from "./nav.ts";

interface SessionView {
  accessKey: string;
  csrf: string;
  expires: string;
}

/** Shows the buckets when a session is open, else the sign-in form. */
export async function resume(): Promise<void> {
  const res = await api<SessionView>("GET", "session");
  if (!res.ok) return show("signin");
  setCsrf(res.body.csrf);
  show("buckets", res.body.accessKey);
  await go.buckets();
}

export function wireSession(): void {
  byId("signin").addEventListener("submit", async (e) => {
    e.preventDefault();
    say("signin-error", "");
    const accessKey = byId<HTMLInputElement>("ak").value;
    const secretKey = byId<HTMLInputElement>("sk").value;
    const res = await api("POST", "session", { accessKey, secretKey });
    if (!res.ok) return say("signin-error", res.body.error ?? "Sign-in failed.");
    byId<HTMLInputElement>("sk").value = "";
    await resume();
  });
  byId("signout").addEventListener("click", async () => {
    await api("DELETE", "session");
    setCsrf("");
    show("signin");
  });
}
