// Uploads, each file with its own progress bar and a Cancel button. Files up to 8 MiB are one PUT;
// larger ones are multipart, three parts at a time; Cancel stops the requests and aborts the upload.
import { csrfToken, s3Error, s3url, tagText, write, xml, xmlBody } from "./api.ts";
import { button, byId, el } from "./dom.ts";

const PART = 8 * 1024 * 1024;
const PARALLEL = 3;

/** One request with upload progress (fetch cannot report it). */
function send(method: string, url: string, body: Blob, progress: (sent: number) => void, requests: Set<XMLHttpRequest>): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    requests.add(x);
    x.open(method, url);
    x.setRequestHeader("x-bleepstore-csrf", csrfToken());
    x.upload.onprogress = (e) => progress(e.loaded);
    x.onload = () => {
      requests.delete(x);
      if (x.status < 300) resolve(x);
      else reject(new Error(`${x.status} ${x.responseXML ? tagText(x.responseXML, "Code") : ""}`.trim()));
    };
    x.onerror = () => {
      requests.delete(x);
      reject(new Error("network error"));
    };
    x.onabort = () => {
      requests.delete(x);
      reject(new Error("cancelled"));
    };
    x.send(body);
  });
}

async function multipart(bucket: string, key: string, file: Blob, bar: HTMLProgressElement, requests: Set<XMLHttpRequest>, state: { cancelled: boolean; abort: () => Promise<unknown> }): Promise<void> {
  const created = await write("POST", s3url(bucket, key, "uploads"));
  if (!created.ok) throw new Error(await s3Error(created));
  const uploadId = tagText(await xml(created), "UploadId");
  state.abort = () => write("DELETE", s3url(bucket, key, `uploadId=${encodeURIComponent(uploadId)}`));
  const count = Math.ceil(file.size / PART);
  const sent = new Array<number>(count).fill(0);
  const etags = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count && !state.cancelled) {
      const i = next++;
      const x = await send("PUT", s3url(bucket, key, `partNumber=${i + 1}&uploadId=${encodeURIComponent(uploadId)}`), file.slice(i * PART, (i + 1) * PART), (n) => {
        sent[i] = n;
        bar.value = sent.reduce((a, b) => a + b, 0);
      }, requests);
      etags[i] = x.getResponseHeader("etag") ?? "";
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (state.cancelled) throw new Error("cancelled");
  const body = xmlBody("CompleteMultipartUpload", { Part: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) });
  const done = await write("POST", s3url(bucket, key, `uploadId=${encodeURIComponent(uploadId)}`), body, { "content-type": "application/xml" });
  if (!done.ok) throw new Error(await s3Error(done));
  // Complete may answer 200 with an error in its body.
  const doc = await xml(done);
  if (doc.getElementsByTagName("Error").length > 0) throw new Error(tagText(doc, "Code"));
}

/** Uploads `file` as `key` into `bucket`, shown in the uploads list. */
export async function upload(bucket: string, key: string, file: Blob): Promise<void> {
  const li = el("li");
  const bar = el("progress");
  bar.max = file.size || 1;
  bar.value = 0;
  bar.setAttribute("aria-label", `Upload of ${key}`);
  const status = el("span", " uploading");
  const requests = new Set<XMLHttpRequest>();
  const state = { cancelled: false, abort: async (): Promise<unknown> => undefined };
  const cancel = button("Cancel", async () => {
    state.cancelled = true;
    for (const x of requests) x.abort();
    await state.abort();
  }, `Cancel the upload of ${key}`);
  li.append(el("span", `${key} `), bar, status, document.createTextNode(" "), cancel);
  byId("uploads").append(li);
  try {
    if (file.size <= PART) await send("PUT", s3url(bucket, key), file, (n) => (bar.value = n), requests);
    else await multipart(bucket, key, file, bar, requests, state);
    bar.value = bar.max;
    status.textContent = " done";
  } catch (err) {
    status.textContent = state.cancelled ? " cancelled" : ` failed: ${(err as Error).message}`;
    if (state.cancelled) await state.abort();
  } finally {
    cancel.remove();
  }
}
