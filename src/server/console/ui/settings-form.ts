// The pieces of a bucket's settings panel: reading a subresource (a missing configuration is empty, not
// an error), writing or removing it, and a form with a legend, labelled fields, Save (and Remove) and a
// status line that says what happened in words.
import { read, s3Error, s3url, tagText, write, xml } from "./api.ts";
import { el } from "./dom.ts";

let ids = 0;

/** A label and its control, tied by a fresh id. */
export function field<T extends HTMLElement>(label: string, control: T): HTMLElement {
  control.id ||= `setting-${++ids}`;
  const wrap = el("div");
  const l = el("label", label);
  l.htmlFor = control.id;
  wrap.append(l, control);
  return wrap;
}

export function input(value = "", type = "text"): HTMLInputElement {
  const i = el("input");
  i.type = type;
  i.value = value;
  return i;
}

export function textarea(value: string, rows = 8): HTMLTextAreaElement {
  const t = el("textarea");
  t.rows = rows;
  t.value = value;
  t.spellcheck = false;
  return t;
}

export function select(options: Array<[string, string]>, value: string): HTMLSelectElement {
  const s = el("select");
  for (const [v, label] of options) {
    const o = el("option", label);
    o.value = v;
    s.append(o);
  }
  s.value = value;
  return s;
}

/** A subresource of a bucket: its document, or null when the bucket has none (S3's NoSuch… 404). */
export async function getConfig(bucket: string, sub: string): Promise<Document | null> {
  const res = await read(s3url(bucket, undefined, sub));
  if (res.status === 404) {
    const doc = await xml(res);
    if (tagText(doc, "Code") !== "NoSuchBucket") return null;
    throw new Error(`${tagText(doc, "Code")}: ${tagText(doc, "Message")}`);
  }
  if (!res.ok) throw new Error(await s3Error(res));
  return xml(res);
}

/** A bucket's policy text, or "" when it has none. */
export async function getText(bucket: string, sub: string): Promise<string> {
  const res = await read(s3url(bucket, undefined, sub));
  if (res.status === 404) return "";
  if (!res.ok) throw new Error(await s3Error(res));
  return res.text();
}

/** Writes (body) or removes (null) a subresource; the error in words, or "". */
export async function putConfig(bucket: string, sub: string, body: string | null, type = "application/xml"): Promise<string> {
  const res = body === null ? await write("DELETE", s3url(bucket, undefined, sub)) : await write("PUT", s3url(bucket, undefined, sub), body, { "content-type": type });
  return res.ok ? "" : s3Error(res);
}

/** A settings form: `save` and `remove` answer an error in words or "" (done); the status line says which. */
export function settingsForm(title: string, fields: HTMLElement[], save: () => Promise<string>, remove?: () => Promise<string>): HTMLFormElement {
  const form = el("form");
  const set = el("fieldset");
  set.append(el("legend", title), ...fields);
  const status = el("p");
  status.setAttribute("role", "status");
  const saveButton = el("button", "Save");
  saveButton.type = "submit";
  saveButton.setAttribute("aria-label", `Save ${title.toLowerCase()}`);
  set.append(saveButton);
  const done = async (run: () => Promise<string>, what: string) => {
    status.textContent = "…";
    const error = await run().catch((err: unknown) => (err as Error).message);
    status.textContent = error ? `Not ${what}: ${error}` : `${title}: ${what}.`;
  };
  if (remove) {
    const removeButton = el("button", "Remove");
    removeButton.type = "button";
    removeButton.setAttribute("aria-label", `Remove ${title.toLowerCase()}`);
    removeButton.addEventListener("click", () => void done(remove, "removed"));
    set.append(document.createTextNode(" "), removeButton);
  }
  set.append(status);
  form.append(set);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void done(save, "saved");
  });
  return form;
}
