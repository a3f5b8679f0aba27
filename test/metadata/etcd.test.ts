// The metadata contract on a real etcd (Debian's etcd-server 3.4) started on loopback, a fresh key
// prefix per test.
import { afterAll, beforeAll, setDefaultTimeout } from "bun:test";
import { EtcdMetadataStore } from "../../src/metadata/etcd.ts";
import { etcdUnavailable, startEtcd, type Etcd } from "../../e2e/helpers/etcd.ts";
import { requires } from "../../e2e/helpers/requires.ts";
import { metadataContract } from "../contract/metadata.contract.ts";

if (requires("etcd", etcdUnavailable())) {
  // 1,000 deletes and 10,000 parts at once against one etcd on a machine a parallel test run shares.
  setDefaultTimeout(240_000);
  let etcd: Etcd;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.[Symbol.asyncDispose]();
  });
  let n = 0;
  const store = () => new EtcdMetadataStore({ endpoints: etcd.endpoints, prefix: `contract-${n}` });
  metadataContract("etcd", async () => (++n, store()), undefined, async () => {
    const twin = store();
    await twin.init();
    return twin;
  });
}
