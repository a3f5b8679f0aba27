// The AWS CLI v2 from Debian (/usr/bin/aws, installed by .ci/run) against a spawned server.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectTaggingCommand } from "@aws-sdk/client-s3";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { AWS_CLI, awsCli, hasAwsCli } from "./helpers/awscli.ts";
import { requires, unless } from "./helpers/requires.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

const hasCli = requires(`the AWS CLI v2 (${AWS_CLI})`, unless(hasAwsCli, "apt-get install awscli"));

let server: TestServer;
let work: string;
beforeAll(async () => {
  if (!hasCli) return;
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), "bleepstore-awscli-"));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
  if (work) rmSync(work, { recursive: true, force: true });
});

const aws = awsCli(() => server.endpoint, () => work);
const tagsOf = async (key: string, b: string) =>
  Object.fromEntries(((await awsClient(server.endpoint).send(new GetObjectTaggingCommand({ Bucket: b, Key: key }))).TagSet ?? []).map((t) => [t.Key, t.Value]));

describe.skipIf(!hasCli)("AWS CLI", () => {
  test("mb, cp up, cp down to stdout, ls, rm, rb", async () => {
    const bucket = bucketName("cli");
    const file = join(work, "readme.txt");
    const text = "BleepStore via the AWS CLI\n".repeat(100);
    writeFileSync(file, text);

    const mb = await aws("s3", "mb", `s3://${bucket}`);
    expect(mb.stderr).toBe("");
    expect(mb.code).toBe(0);
    expect((await aws("s3", "cp", file, `s3://${bucket}/docs/readme.txt`)).code).toBe(0);
    const down = await aws("s3", "cp", `s3://${bucket}/docs/readme.txt`, "-");
    expect(down.code).toBe(0);
    expect(down.stdout).toBe(text);
    const ls = await aws("s3", "ls");
    expect(ls.stdout).toContain(bucket);
    expect((await aws("s3", "rm", `s3://${bucket}/docs/readme.txt`)).code).toBe(0);
    expect((await aws("s3", "rb", `s3://${bucket}`)).code).toBe(0);
  });

  test("s3api bucket policy, policy status, public access block and ownership controls", async () => {
    const bucket = bucketName("clipol");
    await aws("s3", "mb", `s3://${bucket}`);
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }] });
    const put = await aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", policy);
    expect(put.stderr).toBe("");
    expect(put.code).toBe(0);
    expect(JSON.parse((await aws("s3api", "get-bucket-policy", "--bucket", bucket)).stdout).Policy).toBe(policy);
    expect(JSON.parse((await aws("s3api", "get-bucket-policy-status", "--bucket", bucket)).stdout).PolicyStatus.IsPublic).toBe(true);
    const bad = await aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "{not json");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("MalformedPolicy");
    expect((await aws("s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration", "BlockPublicPolicy=true,RestrictPublicBuckets=true")).code).toBe(0);
    expect(JSON.parse((await aws("s3api", "get-public-access-block", "--bucket", bucket)).stdout).PublicAccessBlockConfiguration)
      .toEqual({ BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect((await aws("s3api", "put-bucket-ownership-controls", "--bucket", bucket, "--ownership-controls", "Rules=[{ObjectOwnership=BucketOwnerEnforced}]")).code).toBe(0);
    expect(JSON.parse((await aws("s3api", "get-bucket-ownership-controls", "--bucket", bucket)).stdout).OwnershipControls.Rules).toEqual([{ ObjectOwnership: "BucketOwnerEnforced" }]);
    expect((await aws("s3api", "delete-bucket-policy", "--bucket", bucket)).code).toBe(0);
    expect((await aws("s3api", "get-bucket-policy", "--bucket", bucket)).stderr).toContain("NoSuchBucketPolicy");
  });

  test("s3api head-object on a missing key fails with 404", async () => {
    const bucket = bucketName("cli404");
    await aws("s3", "mb", `s3://${bucket}`);
    const head = await aws("s3api", "head-object", "--bucket", bucket, "--key", "nope");
    expect(head.code).not.toBe(0);
    expect(head.stderr).toContain("404");
  });

  test("sync 500 files up, down, and again with nothing re-transferred; ls and rm --recursive", async () => {
    const bucket = bucketName("sync");
    const up = join(work, "up");
    const files: string[] = [];
    for (let d = 0; d < 10; d++) {
      mkdirSync(join(up, `dir${d}`, "sub"), { recursive: true });
      for (let f = 0; f < 50; f++) {
        const rel = f % 2 ? `dir${d}/sub/f${f}.txt` : `dir${d}/f${f}.txt`;
        writeFileSync(join(up, rel), `content of ${rel}\n`.repeat(f + 1));
        files.push(rel);
      }
    }
    expect((await aws("s3", "mb", `s3://${bucket}`)).code).toBe(0);

    const first = await aws("s3", "sync", up, `s3://${bucket}/tree`);
    expect(first.code).toBe(0);
    expect(first.stdout.match(/^upload:/gm)?.length).toBe(500);
    const again = await aws("s3", "sync", up, `s3://${bucket}/tree`);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("");

    const ls = await aws("s3", "ls", "--recursive", `s3://${bucket}/`);
    expect(ls.code).toBe(0);
    const listed = ls.stdout.trim().split("\n").map((line) => line.trim().split(/\s+/).slice(3).join(" "));
    expect(listed.sort()).toEqual(files.map((f) => `tree/${f}`).sort());

    const down = join(work, "down");
    const pull = await aws("s3", "sync", `s3://${bucket}/tree`, down);
    expect(pull.code).toBe(0);
    expect(pull.stdout.match(/^download:/gm)?.length).toBe(500);
    for (const rel of files) expect(readFileSync(join(down, rel), "utf8")).toBe(readFileSync(join(up, rel), "utf8"));
    const pullAgain = await aws("s3", "sync", `s3://${bucket}/tree`, down);
    expect(pullAgain.code).toBe(0);
    expect(pullAgain.stdout).toBe("");
    expect(readdirSync(down).sort()).toEqual(Array.from({ length: 10 }, (_, d) => `dir${d}`));

    const rm = await aws("s3", "rm", "--recursive", `s3://${bucket}/tree`);
    expect(rm.code).toBe(0);
    expect(rm.stdout.match(/^delete:/gm)?.length).toBe(500);
    expect((await aws("s3", "ls", "--recursive", `s3://${bucket}/`)).stdout).toBe("");
    expect((await aws("s3", "rb", `s3://${bucket}`)).code).toBe(0);
  }, 120_000);

  test("cp of a 100 MiB file (multipart in the CLI) round-trips byte-identical", async () => {
    const bucket = bucketName("cli-big");
    const src = join(work, "big.bin");
    const data = new Uint8Array(100 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
    writeFileSync(src, data);
    expect((await aws("s3", "mb", `s3://${bucket}`)).code).toBe(0);
    const up = await aws("s3", "cp", src, `s3://${bucket}/big.bin`);
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    const head = await aws("s3api", "head-object", "--bucket", bucket, "--key", "big.bin");
    expect(JSON.parse(head.stdout).ETag).toMatch(/-\d+"$/);
    const back = join(work, "big.back");
    expect((await aws("s3", "cp", `s3://${bucket}/big.bin`, back)).code).toBe(0);
    expect(Buffer.compare(readFileSync(back), Buffer.from(data))).toBe(0);
    rmSync(src);
    rmSync(back);
  }, 120_000);
});

describe.skipIf(!hasCli)("AWS CLI v2 copies with its default settings (they read and copy tags)", () => {
  const ok = async (...args: string[]) => {
    const r = await aws(...args);
    if (r.code !== 0) throw new Error(`aws ${args.join(" ")} → ${r.code}: ${r.stderr}`);
    return r.stdout;
  };

  test("s3 cp of a 50 MiB object to another key and bucket, s3 mv, s3 sync between buckets; tags survive", async () => {
    const a = bucketName("cli-a");
    const b = bucketName("cli-b");
    await ok("s3", "mb", `s3://${a}`);
    await ok("s3", "mb", `s3://${b}`);
    const file = join(work, "big.bin");
    writeFileSync(file, crypto.getRandomValues(new Uint8Array(50 * 1024 * 1024)));
    await ok("s3api", "put-object", "--bucket", a, "--key", "big.bin", "--body", file, "--tagging", "keep=me&also=this");
    await ok("s3", "cp", `s3://${a}/big.bin`, `s3://${a}/copy.bin`);
    await ok("s3", "cp", `s3://${a}/big.bin`, `s3://${b}/copy.bin`);
    expect(await tagsOf("copy.bin", a)).toEqual({ keep: "me", also: "this" });
    expect(await tagsOf("copy.bin", b)).toEqual({ keep: "me", also: "this" });
    await ok("s3", "mv", `s3://${a}/copy.bin`, `s3://${a}/moved.bin`);
    expect(await tagsOf("moved.bin", a)).toEqual({ keep: "me", also: "this" });
    const c = bucketName("cli-c");
    await ok("s3", "mb", `s3://${c}`);
    await ok("s3", "sync", `s3://${a}`, `s3://${c}`);
    const listed = await ok("s3", "ls", `s3://${c}/`);
    expect(listed).toContain("big.bin");
    expect(listed).toContain("moved.bin");
    expect(await tagsOf("big.bin", c)).toEqual({ keep: "me", also: "this" });
    const head = JSON.parse(await ok("s3api", "head-object", "--bucket", c, "--key", "big.bin")) as { ContentLength: number };
    expect(head.ContentLength).toBe(50 * 1024 * 1024);
  });
});
