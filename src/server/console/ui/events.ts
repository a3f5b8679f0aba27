// The live event tail: the committed changes as they happen (long-polled from the engine's outbox, so
// the writes of every node), filtered by bucket and key prefix; newest first, the last 200 kept.
import { api } from "./api.ts";
import { byId, el, say } from "./dom.ts";
import { show } from "./nav.ts";

interface TailEvent {
  seq: number;
  type: string;
  time: string;
  data: { bucket?: string; key?: string; size?: number; version_id?: string };
}

const KEPT = 200;
let running = 0;

function line(e: TailEvent): HTMLLIElement {
  const where = [e.data.bucket, e.data.key].filter(Boolean).join("/");
  return el("li", `${e.time} ${e.type} ${where}${e.data.size !== undefined ? ` (${e.data.size} bytes)` : ""}`);
}

async function follow(run: number): Promise<void> {
  let after = "-1";
  while (run === running) {
    const bucket = byId<HTMLInputElement>("tail-bucket").value.trim();
    const prefix = byId<HTMLInputElement>("tail-prefix").value;
    const query = new URLSearchParams({ after, wait_ms: "20000", ...(bucket ? { bucket } : {}), ...(prefix ? { prefix } : {}) });
    const res = await api<{ events: TailEvent[]; next: number }>("GET", `events?${query}`);
    if (run !== running) return;
    if (!res.ok) {
      say("events-error", res.body.error ?? `The tail stopped: HTTP ${res.status}`);
      running++;
      byId("tail-toggle").textContent = "Follow";
      return;
    }
    say("events-error", "");
    const list = byId("tail");
    for (const e of res.body.events) list.prepend(line(e));
    while (list.children.length > KEPT) list.lastElementChild?.remove();
    after = String(res.body.next);
  }
}

export function showEvents(): void {
  show("events");
}

/** Leaves the tail running only while its page is shown. */
export function stopTail(): void {
  running++;
  byId("tail-toggle").textContent = "Follow";
}

export function wireEvents(): void {
  byId("tail-toggle").addEventListener("click", () => {
    if (byId("tail-toggle").textContent === "Stop") return stopTail();
    byId("tail-toggle").textContent = "Stop";
    void follow(++running);
  });
}
