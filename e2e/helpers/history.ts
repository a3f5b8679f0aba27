// Checking a recorded history of operations on keys (each a register: a value, or absent) against what
// linearizable storage allows. Every write carries a value no other write has, so a read names the
// write it saw. A write that failed (an error, a timeout, a node killed under it) may or may not have
// happened: it can be seen, but orders nothing. Violations:
// - a read returns a value no write ever carried (nothing never written is visible);
// - a read returns a write W although another write W2 was acknowledged before the read began and W2
//   began after W was acknowledged (W2 is in real time after W; the read came after W2);
// - a read returns a write that began after the read was answered;
// - the final value is one that a later acknowledged write (begun after it was acknowledged) replaced.
// Absent (the initial state, a delete) is a value like the others.

export interface Op {
  key: string;
  kind: "write" | "read";
  /** The value written or read; "" = absent (a delete, a 404). For a copy, learnt from its ETag once answered. */
  value: string | undefined;
  invoke: number;
  complete: number;
  ok: boolean;
  /** A copy that failed: it may have written whatever its source held, any value written anywhere. */
  anyValue?: boolean;
}

export interface Verdict {
  ops: number;
  acknowledged: number;
  failed: number;
  reads: number;
  violations: string[];
}

const INITIAL = { value: "", invoke: -1, complete: -1, ok: true };

export function check(history: Op[], finals: Map<string, string>): Verdict {
  const violations: string[] = [];
  const everWritten = new Set(history.filter((o) => o.kind === "write" && o.value !== undefined).map((o) => o.value!));
  const byKey = new Map<string, Op[]>();
  for (const op of history) (byKey.get(op.key) ?? byKey.set(op.key, []).get(op.key)!).push(op);
  for (const [key, ops] of byKey) {
    const writes = [INITIAL, ...ops.filter((o) => o.kind === "write" && o.value !== undefined)];
    const acked = writes.filter((w) => w.ok);
    const unknownCopies = ops.filter((o) => o.anyValue);
    // A failed copy stands for any value written anywhere (what its source held is not known).
    const writerOf = (value: string) => [
      ...writes.filter((w) => w.value === value),
      ...(everWritten.has(value) ? unknownCopies.map((c) => ({ ...c, ok: false })) : []),
    ];
    /** Whether `w` is superseded, before time `t`, by an acknowledged write that began after `w` was acknowledged. */
    const superseded = (w: { complete: number; ok: boolean }, t: number) => w.ok && acked.some((w2) => w2.invoke > w.complete && w2.complete < t);
    for (const r of ops.filter((o) => o.kind === "read" && o.ok)) {
      const candidates = writerOf(r.value!);
      if (candidates.length === 0) {
        violations.push(`${key}: a read saw a value never written (${r.value!.slice(0, 40)})`);
        continue;
      }
      // Deletes all write "": any of them (or the initial absence) may be the one seen.
      const fine = candidates.some((w) => w.invoke <= r.complete && !superseded(w, r.invoke));
      if (!fine) violations.push(`${key}: a read begun at ${r.invoke} saw ${r.value ? r.value.slice(0, 40) : "absent"}, older than a write acknowledged before it began`);
    }
    const final = finals.get(key) ?? "";
    const candidates = writerOf(final);
    if (candidates.length === 0) violations.push(`${key}: its final value was never written`);
    else if (!candidates.some((w) => !superseded(w, Infinity))) violations.push(`${key}: its final value ${final ? final.slice(0, 40) : "absent"} was replaced by a later acknowledged write`);
  }
  return {
    ops: history.length,
    acknowledged: history.filter((o) => o.ok).length,
    failed: history.filter((o) => !o.ok).length,
    reads: history.filter((o) => o.kind === "read" && o.ok).length,
    violations,
  };
}
