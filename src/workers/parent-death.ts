// Linux's parent-death signal: a worker asks the kernel to SIGKILL it the instant its supervisor dies,
// however it died (kill -9 included), so no worker outlives the server for even the moment it takes
// to notice its channel close — a worker left serving would answer a client's retry of the very
// request the server died in. Elsewhere (no glibc), the closing channel and stdin pipe still end it.
import type * as Ffi from "bun:ffi";

const PR_SET_PDEATHSIG = 1;
const SIGKILL = 9;

/** Arms the parent-death signal; false when this system has no prctl to call. */
export function dieWithParent(parent: number): boolean {
  if (process.platform !== "linux") return false;
  let prctl: (option: number, arg: number) => number;
  try {
    // Loaded here, by a worker only: a single process never pays for the FFI module.
    const { dlopen, FFIType } = import.meta.require("bun:ffi") as typeof Ffi;
    const lib = dlopen("libc.so.6", { prctl: { args: [FFIType.i32, FFIType.u64], returns: FFIType.i32 } });
    prctl = (option, arg) => lib.symbols.prctl(option, arg);
  } catch {
    return false;
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) !== 0) return false;
  // The supervisor may have died before the signal was armed: then this worker was adopted already.
  if (process.ppid !== parent) process.kill(process.pid, "SIGKILL");
  return true;
}
