// The console's page: its markup and style; its script (app.js) is bundled from ui/. Sign in, the
// buckets the key can list, a bucket's objects by folder (breadcrumb, search by prefix, paging),
// download, delete, upload with a progress bar per file (multipart for large files), sign out.
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
  [role=alert] { color: #b71c1c; margin: .5rem 0; }
  a, .link { color: #0b57d0; }
  html { background: #fff; color: #1a1a1a; }
  @media (prefers-color-scheme: dark) {
    html { background: #121212; color: #e8e8e8; }
    [role=alert] { color: #ff8a80; }
    a, .link { color: #8ab4f8; }
  }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #8884; overflow-wrap: anywhere; }
  /* Narrow screens: the dates go (they are in an object's details), the names keep the room. */
  @media (max-width: 40rem) { .wide { display: none; } td button, td a { margin: .1rem 0; } }
  #object-rows td:nth-child(2), #version-rows td:first-child, #bucket-rows td:first-child, #key-rows td:first-child { min-width: 7rem; }
  th { overflow-wrap: normal; }
  header { display: flex; justify-content: space-between; align-items: center; flex-wrap: wrap; gap: .5rem; }
  .crumbs { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem; }
  .crumbs li + li::before { content: "/ "; }
  .link { background: none; border: none; padding: 0; margin: 0; text-decoration: underline; cursor: pointer; }
  progress { width: 12rem; max-width: 50%; }
  #search { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; }
  #search input { flex: 1; min-width: 8rem; }
  .row { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; }
  .row input { flex: 1; min-width: 8rem; }
  .row label { width: 100%; }
  textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; }
  select { font: inherit; padding: .4rem; }
  #menu { width: 100%; }
  .drop { border: 2px dashed #8888; padding: .5rem; margin: .5rem 0; }
  .drop.over { border-color: #4a90e2; background: #4a90e222; }
  .drop input { width: auto; }
  .hidden-label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .8rem; }
  .chart { margin: 0; }
  .chart svg { width: 100%; height: 4rem; border: 1px solid #8884; }
  #config { max-height: 50vh; overflow: auto; border: 1px solid #8884; padding: .5rem; }
  #tail { font-family: ui-monospace, monospace; font-size: .9rem; }
  fieldset { margin: .8rem 0; border: 1px solid #8886; }
  legend { font-weight: bold; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
  dt { font-weight: bold; }
  dd { margin: 0; word-break: break-all; }
  #preview img, #preview video, #preview iframe { max-width: 100%; max-height: 60vh; }
  #preview iframe { width: 100%; height: 60vh; border: 1px solid #8884; }
  #preview pre { max-height: 60vh; overflow: auto; white-space: pre-wrap; border: 1px solid #8884; padding: .5rem; }
</style>
</head>
<body>
<header><h1>BleepStore</h1><div id="who" hidden><span id="key"></span> <button id="signout" type="button">Sign out</button></div>
<nav id="menu" aria-label="Console" hidden><button id="to-buckets" type="button">Buckets</button> <button id="to-keys" type="button">Access keys</button> <button id="to-server" type="button">Server</button> <button id="to-events" type="button">Events</button></nav></header>
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
  <form id="create-bucket" class="row"><label for="new-bucket">New bucket name</label><input id="new-bucket" name="bucket" required><button type="submit">Create bucket</button></form>
  <p id="buckets-error" role="alert"></p>
  <table><thead><tr><th scope="col">Name</th><th scope="col">Objects</th><th scope="col">Size</th><th scope="col" class="wide">Created</th><th scope="col">Actions</th></tr></thead><tbody id="bucket-rows"></tbody></table>
</section>
<section id="keys" hidden aria-labelledby="keys-title">
  <h2 id="keys-title">Access keys</h2>
  <p id="keys-error" role="alert"></p>
  <form id="create-key">
    <label for="key-name">Key name</label><input id="key-name" name="displayName">
    <label for="key-policy">Key policy</label>
    <select id="key-policy"><option value="">none (not limited)</option><option value="readonly">readonly</option><option value="writeonly">writeonly</option><option value="readwrite">readwrite</option><option value="consoleAdmin">consoleAdmin</option><option value="custom">custom (policy JSON)</option></select>
    <label for="key-policy-json" id="key-policy-json-label" hidden>Key policy JSON</label><textarea id="key-policy-json" rows="8" hidden></textarea>
    <button type="submit">Create key</button>
  </form>
  <section id="new-key" hidden aria-labelledby="new-key-title">
    <h3 id="new-key-title">New key</h3>
    <p>The secret key is shown only now: copy it.</p>
    <dl><dt>Access key</dt><dd id="new-access-key"></dd><dt>Secret key</dt><dd id="new-secret-key"></dd></dl>
  </section>
  <table><thead><tr><th scope="col">Access key</th><th scope="col">Name</th><th scope="col">Policy</th><th scope="col">State</th><th scope="col" class="wide">Created</th><th scope="col">Actions</th></tr></thead><tbody id="key-rows"></tbody></table>
</section>
<section id="server" hidden aria-labelledby="server-title">
  <h2 id="server-title">Server</h2>
  <p id="server-error" role="alert"></p>
  <p id="server-summary"></p>
  <h3>The last hour on this node</h3>
  <div id="charts" class="charts"></div>
  <h3>Health</h3>
  <table><thead><tr><th scope="col">Part</th><th scope="col">State</th><th scope="col">Detail</th></tr></thead><tbody id="health-rows"></tbody></table>
  <h3>Cluster</h3>
  <p id="cluster-note"></p>
  <table><thead><tr><th scope="col">Node</th><th scope="col">Version</th><th scope="col">Last heartbeat</th><th scope="col">Addresses</th></tr></thead><tbody id="node-rows"></tbody></table>
  <h3>Configuration (without secrets)</h3>
  <pre id="config" tabindex="0" aria-label="Configuration"></pre>
  <button id="server-refresh" type="button">Refresh</button>
</section>
<section id="events" hidden aria-labelledby="events-title">
  <h2 id="events-title">Events</h2>
  <p>The committed changes as they happen, on every node.</p>
  <div class="row"><label for="tail-bucket">Only bucket</label><input id="tail-bucket"><label for="tail-prefix">Only keys starting with</label><input id="tail-prefix"></div>
  <button id="tail-toggle" type="button">Follow</button>
  <p id="events-error" role="alert"></p>
  <div role="log" aria-live="polite" aria-label="Events, newest first"><ol id="tail"></ol></div>
</section>
<section id="objects" hidden aria-labelledby="objects-title">
  <nav aria-label="Breadcrumb"><ol id="crumbs" class="crumbs"></ol></nav>
  <h2 id="objects-title">Objects</h2>
  <p>Versioning: <span id="versioning"></span> <button id="versioning-toggle" type="button"></button> <button id="settings-open" type="button">Bucket settings</button></p>
  <section id="settings" hidden aria-labelledby="settings-title">
    <h3 id="settings-title">Settings of <span id="settings-bucket"></span></h3>
    <div id="settings-body"></div>
    <button id="settings-close" type="button">Close settings</button>
  </section>
  <form id="search" role="search"><label for="prefix">Search by prefix</label><input id="prefix" name="prefix"><button type="submit">Search</button></form>
  <div id="drop" class="drop"><label for="files">Upload files</label><input id="files" type="file" multiple> <label for="folder">Upload a folder</label><input id="folder" type="file" webkitdirectory multiple><p>or drop files and folders here</p></div>
  <ul id="uploads" aria-label="Uploads"></ul>
  <section id="share" hidden aria-labelledby="share-title">
    <h3 id="share-title">Share <span id="share-key"></span></h3>
    <label for="share-expiry">Link expires in</label>
    <select id="share-expiry"><option value="3600">1 hour</option><option value="86400">1 day</option><option value="604800">7 days</option></select>
    <button id="share-make" type="button">Make link</button>
    <label for="share-url">Share link</label><input id="share-url" readonly>
    <button id="share-copy" type="button">Copy</button> <span id="share-status" role="status"></span>
  </section>
  <section id="versions" hidden aria-labelledby="versions-title">
    <h3 id="versions-title">Versions of <span id="versions-key"></span></h3>
    <table><thead><tr><th scope="col">Version</th><th scope="col">Size</th><th scope="col" class="wide">Last modified</th><th scope="col">Actions</th></tr></thead><tbody id="version-rows"></tbody></table>
  </section>
  <section id="details" hidden aria-labelledby="details-title">
    <h3 id="details-title">Details of <span id="details-key"></span></h3>
    <dl id="details-list"></dl>
    <div id="preview"></div>
    <button id="details-close" type="button">Close details</button>
  </section>
  <p id="objects-error" role="alert"></p>
  <p id="objects-status" role="status"></p>
  <button id="delete-selected" type="button" disabled>Delete selected</button>
  <table><thead><tr><th scope="col"><span class="hidden-label">Select</span></th><th scope="col">Name</th><th scope="col">Size</th><th scope="col" class="wide">Last modified</th><th scope="col">Actions</th></tr></thead><tbody id="object-rows"></tbody></table>
  <button id="more" type="button" hidden>Next page</button>
</section>
</main>
<script type="module" src="/_bleepstore/console/app.js"></script>
</body>
</html>
`;
