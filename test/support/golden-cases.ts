import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES } from "./paths.js";

/** fixtures/<case>/ directories holding a rollout.yaml and its expected/ output. */
export const GOLDEN_CASES = readdirSync(FIXTURES)
  .filter((name) => existsSync(join(FIXTURES, name, "rollout.yaml")))
  .sort();
