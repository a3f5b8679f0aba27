import { MemoryMetadataStore } from "../../src/metadata/memory.ts";
import { metadataContract } from "../contract/metadata.contract.ts";

metadataContract("memory", async () => new MemoryMetadataStore());
