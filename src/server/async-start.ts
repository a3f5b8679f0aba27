// Starting queue.consistency: async: the task queue on the configured broker (consumer name: this
// node's id), the spool directory <data dir>/async, and the consumer that applies what is queued.
import { dirname, join } from "node:path";
import type { Config } from "../config.ts";
import type { Engine } from "../core/engine.ts";
import type { Logger } from "../log.ts";
import { nodeId } from "../node-id.ts";
import { queueTargetOptions } from "../queue/setup.ts";
import { createTaskQueue } from "../queue/task-queues.ts";
import { AsyncWrites } from "./async-writes.ts";

export async function startAsyncWrites(config: Config, engine: Engine, log: Logger): Promise<AsyncWrites> {
  const dataDir = dirname(config.metadata.sqlite.path);
  const tasks = await createTaskQueue(queueTargetOptions(config), config.cluster.node_id || nodeId(dataDir));
  const writes = new AsyncWrites(tasks, join(dataDir, "async"), log);
  writes.start(engine);
  return writes;
}
