// The admin API's view of events: the outbox in commit order (what `bleepstore events tail` prints,
// long-polled), and the notification targets with the ARNs bucket configurations name them by.
import type { Engine } from "../core/engine.ts";
import type { StoredEvent } from "../metadata/events.ts";
import type { LaneStats } from "../queue/delivery.ts";

const PAGE = 1000;
const MAX_WAIT_MS = 30_000;

/** The outbox's last position (paged to its end: history is bounded by EVENT_HISTORY plus what waits). */
async function lastSeq(engine: Engine): Promise<number> {
  let after = 0;
  for (;;) {
    const page = await engine.metadata.listEvents(after, PAGE);
    if (page.length === 0) return after;
    after = page[page.length - 1]!.seq;
    if (page.length < PAGE) return after;
  }
}

/** GET /events: events in commit order after `after` (-1: from now), waiting up to wait_ms for one. */
export async function eventsPage(engine: Engine, query: { after?: string; limit?: string; wait_ms?: string }) {
  let after = query.after === undefined || Number(query.after) < 0 ? await lastSeq(engine) : Number(query.after);
  if (!Number.isFinite(after)) after = 0;
  const limit = Math.min(Math.max(Number(query.limit ?? 100) || 100, 1), PAGE);
  const deadline = Date.now() + Math.min(Math.max(Number(query.wait_ms ?? 0) || 0, 0), MAX_WAIT_MS);
  let events: StoredEvent[] = await engine.metadata.listEvents(after, limit);
  while (events.length === 0 && Date.now() < deadline) {
    await Bun.sleep(100);
    events = await engine.metadata.listEvents(after, limit);
  }
  return { events, next: events.length > 0 ? events[events.length - 1]!.seq : after };
}

/** GET /notifications/targets: each configured target, the ARN that names it, and its delivery state. */
export function notificationTargets(engine: Engine, lanes: LaneStats[], region: string) {
  const stats = new Map(lanes.map((s) => [s.id, s]));
  return engine.notifications.targets().map((id) => {
    const s = stats.get(id);
    return {
      id, arn: `arn:bleepstore:sqs:${region}::${id}`, kind: s?.kind ?? "", where: s?.where ?? "", connected: s?.connected ?? false,
      pending: s?.pending ?? 0, dead_letter: s?.deadLetter ?? 0, published: s?.published ?? 0,
    };
  });
}
