import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURES = join(REPO_ROOT, "fixtures");
export const CLI = join(REPO_ROOT, "dist", "cli", "main.js");
/** Istio's and the Gateway API's own CRD schemas, vendored (see each folder's PROVENANCE.md). */
export const VENDORED_SCHEMAS = join(REPO_ROOT, "schemas", "vendor");

/** Golden files are rewritten only when this is set; the diff is then reviewed. */
export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === "1";
