// The dead-letter store: events that waited for a target longer than queue.max_pending allows are
// appended here (one JSON line each: the event, and the targets that never confirmed it), fsynced
// before the outbox forgets them, so none is silently dropped. An operator replays them from the file.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import type { StoredEvent } from "../metadata/events.ts";

export class DeadLetters {
  /** Lines in the file: every event ever moved here (this file's lifetime). */
  count = 0;

  constructor(readonly path: string) {
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8");
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.count++;
    }
  }

  async add(events: StoredEvent[], missing: string[][]): Promise<void> {
    if (events.length === 0) return;
    const at = new Date().toISOString();
    const lines = events.map((e, i) => JSON.stringify({ at, targets: missing[i], event: { ...e, delivered: undefined } })).join("\n");
    const fd = openSync(this.path, "a", 0o600);
    try {
      writeSync(fd, `${lines}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.count += events.length;
  }
}
