// Talking to this server: the session API under the console's own path, and the S3 API at /s3/… as the
// signed-in key. State-changing calls carry the session's CSRF token.

export const base = location.pathname.replace(/\/+$/, "");
let csrf = "";

export const setCsrf = (token: string): void => {
  csrf = token;
};
export const csrfToken = (): string => csrf;

const path = (key: string) => key.split("/").map(encodeURIComponent).join("/");

/** The console's URL of a bucket, or of an object in it, with an optional query. */
export const s3url = (bucket: string, key?: string, query?: string): string =>
  `${base}/s3/${encodeURIComponent(bucket)}${key !== undefined ? `/${path(key)}` : ""}${query ? `?${query}` : ""}`;

/** The x-amz-copy-source of a version of an object. */
export const copySource = (bucket: string, key: string, versionId: string): string => `/${bucket}/${path(key)}?versionId=${encodeURIComponent(versionId)}`;

export const read = (url: string): Promise<Response> => fetch(url);

export const write = (method: string, url: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method, body, headers: { "x-bleepstore-csrf": csrf, ...headers } });

/** A JSON call to the console's own API. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<{ ok: boolean; status: number; body: T & { error?: string } }> {
  const res = await fetch(`${base}/api/${path}`, {
    method,
    headers: { "x-bleepstore-csrf": csrf, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { ok: res.ok, status: res.status, body: (await res.json().catch(() => ({}))) as T & { error?: string } };
}

export const xml = async (res: Response): Promise<Document> => new DOMParser().parseFromString(await res.text(), "application/xml");
export const tagText = (node: Document | Element, tag: string): string => node.getElementsByTagName(tag)[0]?.textContent ?? "";
export const all = (node: Document | Element, tag: string): Element[] => [...node.getElementsByTagName(tag)];

/** An S3 error answer in words: its code and message. */
export async function s3Error(res: Response): Promise<string> {
  try {
    const doc = await xml(res);
    const code = tagText(doc, "Code");
    return code ? `${code}: ${tagText(doc, "Message")}` : `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

type XmlNode = string | number | XmlTree | XmlTree[];
interface XmlTree {
  [name: string]: XmlNode;
}

/** An S3 request body built as a document (values are text nodes, never markup). */
export function xmlBody(root: string, tree: XmlTree): string {
  const doc = document.implementation.createDocument(null, root, null);
  const fill = (parent: Element, t: XmlTree) => {
    for (const [name, value] of Object.entries(t)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        const child = doc.createElement(name);
        if (typeof v === "object") fill(child, v);
        else child.textContent = String(v);
        parent.append(child);
      }
    }
  };
  fill(doc.documentElement, tree);
  return new XMLSerializer().serializeToString(doc);
}
