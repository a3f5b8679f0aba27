// Bucket policies: Put/Get/DeleteBucketPolicy (the bucket owner's), stored with the bucket as the
// text that was put, and compiled once per text for the access decision (server/authorize.ts). A
// compiled policy is found by its text, so a change anywhere (this node or another) is a new text:
// nothing to invalidate.
import { S3Error } from "../errors.ts";
import type { ObjectOwnership, PublicAccessBlock } from "../metadata/store.ts";
import type { Requester } from "./acl.ts";
import type { Buckets } from "./buckets.ts";
import type { EngineContext } from "./context.ts";
import { newEvent } from "./events.ts";
import { keyPolicy, parsePolicy, type Policy } from "./policy/document.ts";
import { isPublic } from "./policy/evaluate.ts";

const COMPILED_LIMIT = 1000;

export class Policies {
  private readonly compiledByText = new Map<string, Policy>();

  constructor(private readonly ctx: EngineContext, private readonly buckets: Buckets) {}

  /** The compiled form of a bucket's policy text (undefined without one). */
  compiled(bucket: string, text: string | undefined): Policy | undefined {
    if (text === undefined) return undefined;
    let policy = this.compiledByText.get(text);
    if (!policy) {
      policy = parsePolicy(text, bucket);
      if (this.compiledByText.size >= COMPILED_LIMIT) this.compiledByText.delete(this.compiledByText.keys().next().value!);
      this.compiledByText.set(text, policy);
    }
    return policy;
  }

  /** A key's own policy compiled (undefined: the key is not limited). */
  ofKey(stored: string | undefined): Policy | undefined {
    if (stored === undefined) return undefined;
    const id = `key\u0000${stored}`;
    let policy = this.compiledByText.get(id);
    if (!policy) {
      policy = keyPolicy(stored);
      if (this.compiledByText.size >= COMPILED_LIMIT) this.compiledByText.delete(this.compiledByText.keys().next().value!);
      this.compiledByText.set(id, policy);
    }
    return policy;
  }

  async get(requester: Requester, name: string): Promise<string> {
    const bucket = await this.buckets.owned(requester, name);
    if (bucket.policy === undefined) throw new S3Error("NoSuchBucketPolicy", { detail: { BucketName: name } });
    return bucket.policy;
  }

  async status(requester: Requester, name: string): Promise<boolean> {
    const bucket = await this.buckets.owned(requester, name);
    if (bucket.policy === undefined) throw new S3Error("NoSuchBucketPolicy", { detail: { BucketName: name } });
    return isPublic(this.compiled(name, bucket.policy)!);
  }

  /** Replaces (text, checked first) or removes (null) the bucket's policy. */
  async set(requester: Requester, name: string, text: string | null): Promise<void> {
    const bucket = await this.buckets.owned(requester, name);
    // BlockPublicPolicy: a policy that would make the bucket public is refused.
    if (text !== null && isPublic(this.compiled(name, text)!) && bucket.publicAccessBlock?.blockPublicPolicy) throw new S3Error("AccessDenied");
    this.buckets.forget(name);
    await this.ctx.metadata.updateBucket(name, { policy: text }, [newEvent("bucket.policy.updated", { bucket: name, removed: text === null })]);
    this.buckets.forget(name);
    this.ctx.publish();
  }
}

/** Put/Get/DeletePublicAccessBlock and Put/Get/DeleteBucketOwnershipControls: the bucket owner's. */
export class AccessSettings {
  constructor(private readonly ctx: EngineContext, private readonly buckets: Buckets) {}

  async publicAccessBlock(requester: Requester, name: string): Promise<PublicAccessBlock> {
    const bucket = await this.buckets.owned(requester, name);
    if (!bucket.publicAccessBlock) throw new S3Error("NoSuchPublicAccessBlockConfiguration", { detail: { BucketName: name } });
    return bucket.publicAccessBlock;
  }

  async ownership(requester: Requester, name: string): Promise<ObjectOwnership> {
    const bucket = await this.buckets.owned(requester, name);
    if (!bucket.ownership) throw new S3Error("OwnershipControlsNotFoundError", { detail: { BucketName: name } });
    return bucket.ownership;
  }

  async set(requester: Requester, name: string, change: { publicAccessBlock?: PublicAccessBlock | null; ownership?: ObjectOwnership | null }): Promise<void> {
    await this.buckets.owned(requester, name);
    this.buckets.forget(name);
    const what = change.ownership !== undefined ? "bucket.ownership.updated" : "bucket.public-access-block.updated";
    await this.ctx.metadata.updateBucket(name, change, [newEvent(what, { bucket: name })]);
    this.buckets.forget(name);
    this.ctx.publish();
  }
}
