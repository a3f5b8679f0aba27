// The server page: this node's traffic over the last hour as small charts, stored objects and bytes,
// disk space, the health of each engine and event target, the cluster's nodes and the running
// configuration without secrets.
import { api } from "./api.ts";
import { chart } from "./chart.ts";
import { byId, el, say, size } from "./dom.ts";
import { show } from "./nav.ts";

interface Health {
  status: string;
  error?: string;
  latency_ms: number;
}
interface ServerInfo {
  version: string;
  uptimeSeconds: number;
  metrics: {
    intervalSeconds: number;
    traffic: Array<{ requests: number; errors: number; bytesIn: number; bytesOut: number; p99Ms: number }>;
    stored: Array<{ objects: number; bytes: number }>;
  };
  disk: { total: number; free: number } | null;
  health: { metadata: Health; storage: Health };
  queue: { backend: string; consistency: string; connected: boolean; pending_tasks: number; dead_letter_count: number } | null;
  targets: Array<{ id: string; arn: string; kind: string; connected: boolean; pending: number; dead_letter: number }>;
  cluster: { node?: string; nodes?: Array<{ id: string; version: string; heartbeat: string; urls: string[] }>; error?: string } | null;
  config: unknown;
}

const rate = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)}/s`;
const bytesRate = (n: number) => `${size(Math.round(n))}/s`;

function healthRow(name: string, state: string, detail: string): HTMLTableRowElement {
  const tr = el("tr");
  tr.append(el("td", name), el("td", state), el("td", detail));
  return tr;
}

export async function showServer(): Promise<void> {
  show("server");
  const res = await api<ServerInfo>("GET", "server");
  if (!res.ok) return say("server-error", res.body.error ?? `Reading the server's state failed: HTTP ${res.status}`);
  say("server-error", "");
  const s = res.body;
  const every = s.metrics.intervalSeconds;
  const t = s.metrics.traffic;
  byId("server-summary").textContent = `BleepStore ${s.version}, up ${Math.floor(s.uptimeSeconds / 3600)} h ${Math.floor((s.uptimeSeconds % 3600) / 60)} min.` +
    (s.disk ? ` Disk of the data directory: ${size(s.disk.total - s.disk.free)} used of ${size(s.disk.total)} (${size(s.disk.free)} free).` : "");
  byId("charts").replaceChildren(
    chart("Requests", t.map((p) => p.requests / every), rate),
    chart("Errors", t.map((p) => p.errors / every), rate),
    chart("Bytes in", t.map((p) => p.bytesIn / every), bytesRate),
    chart("Bytes out", t.map((p) => p.bytesOut / every), bytesRate),
    chart("p99 latency", t.map((p) => p.p99Ms), (n) => `${n} ms`),
    chart("Objects", s.metrics.stored.map((p) => p.objects), (n) => n.toLocaleString("en")),
    chart("Stored bytes", s.metrics.stored.map((p) => p.bytes), size),
  );
  const rows = [
    healthRow("Metadata engine", s.health.metadata.status, s.health.metadata.error ?? `${s.health.metadata.latency_ms} ms`),
    healthRow("Storage backend", s.health.storage.status, s.health.storage.error ?? `${s.health.storage.latency_ms} ms`),
  ];
  if (s.queue) {
    rows.push(healthRow(`Queue (${s.queue.backend}, ${s.queue.consistency})`, s.queue.connected ? "connected" : "not connected",
      `${s.queue.pending_tasks} waiting, ${s.queue.dead_letter_count} dead-lettered`));
  }
  for (const target of s.targets) {
    rows.push(healthRow(`Target ${target.id} (${target.kind})`, target.connected ? "connected" : "not connected", `${target.pending} waiting, ${target.dead_letter} dead-lettered; ${target.arn}`));
  }
  byId("health-rows").replaceChildren(...rows);
  const nodes = s.cluster?.nodes ?? [];
  byId("cluster-note").textContent = s.cluster ? (s.cluster.error ?? `This is node ${s.cluster.node ?? ""}.`) : "Not in a cluster (cluster.enabled is false).";
  byId("node-rows").replaceChildren(...nodes.map((n) => {
    const tr = el("tr");
    tr.append(el("td", n.id), el("td", n.version), el("td", n.heartbeat), el("td", n.urls.join(" ")));
    return tr;
  }));
  byId("config").textContent = JSON.stringify(s.config, null, 2);
}
