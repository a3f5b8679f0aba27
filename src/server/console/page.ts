// The console's page (a first slice): sign in, the buckets the key can list, sign out.
// Everything a server or a user named (bucket names, keys) is put on the page as text, never as HTML.
// No network beyond this server, no fonts or scripts from elsewhere; light or dark from the system.
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>BleepStore console</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 60rem; padding: 1rem; }
  label { display: block; margin: .5rem 0 .2rem; }
  input, button { font: inherit; padding: .4rem .6rem; }
  input { width: 100%; box-sizing: border-box; }
  button { margin-top: .8rem; cursor: pointer; }
  :focus-visible { outline: 3px solid #4a90e2; outline-offset: 2px; }
  [role=alert] { color: #c62828; margin: .5rem 0; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #8884; word-break: break-all; }
  header { display: flex; justify-content: space-between; align-items: center; flex-wrap: wrap; gap: .5rem; }
</style>
</head>
<body>
<header><h1>BleepStore</h1><div id="who" hidden><span id="key"></span> <button id="signout" type="button">Sign out</button></div></header>
<main>
<form id="signin" hidden aria-labelledby="signin-title">
  <h2 id="signin-title">Sign in</h2>
  <label for="ak">Access key</label><input id="ak" name="accessKey" autocomplete="username" required>
  <label for="sk">Secret key</label><input id="sk" name="secretKey" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
  <p id="signin-error" role="alert"></p>
</form>
<section id="buckets" hidden aria-labelledby="buckets-title">
  <h2 id="buckets-title">Buckets</h2>
  <p id="buckets-error" role="alert"></p>
  <table><thead><tr><th scope="col">Name</th><th scope="col">Created</th></tr></thead><tbody id="bucket-rows"></tbody></table>
</section>
</main>
<script>
const base = location.pathname.replace(/\\/+$/, "");
let csrf = "";
const $ = (id) => document.getElementById(id);
function show(signedIn, accessKey) {
  $("signin").hidden = signedIn;
  $("buckets").hidden = !signedIn;
  $("who").hidden = !signedIn;
  $("key").textContent = signedIn ? accessKey : "";
}
async function buckets() {
  const res = await fetch(base + "/s3/", { headers: { accept: "application/xml" } });
  const rows = $("bucket-rows");
  rows.replaceChildren();
  if (!res.ok) { $("buckets-error").textContent = "Listing the buckets failed: " + res.status; return; }
  $("buckets-error").textContent = "";
  const doc = new DOMParser().parseFromString(await res.text(), "application/xml");
  for (const b of doc.getElementsByTagName("Bucket")) {
    const tr = document.createElement("tr");
    for (const tag of ["Name", "CreationDate"]) {
      const td = document.createElement("td");
      td.textContent = b.getElementsByTagName(tag)[0]?.textContent ?? "";
      tr.append(td);
    }
    rows.append(tr);
  }
}
async function start() {
  const res = await fetch(base + "/api/session");
  if (res.ok) {
    const s = await res.json();
    csrf = s.csrf;
    show(true, s.accessKey);
    await buckets();
  } else {
    show(false);
  }
}
$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("signin-error").textContent = "";
  const res = await fetch(base + "/api/session", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ accessKey: $("ak").value, secretKey: $("sk").value }),
  });
  if (!res.ok) { $("signin-error").textContent = (await res.json().catch(() => ({}))).error ?? "Sign-in failed."; return; }
  $("sk").value = "";
  await start();
});
$("signout").addEventListener("click", async () => {
  await fetch(base + "/api/session", { method: "DELETE", headers: { "x-bleepstore-csrf": csrf } });
  csrf = "";
  show(false);
});
start().catch((err) => { document.body.append(document.createTextNode("The console could not start: " + err)); });
</script>
</body>
</html>
`;
