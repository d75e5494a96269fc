/** The library API: the same pieces the CLI uses. */
export * from "./compile/compile.js";
export { loadProjectConfig, type ProjectConfig } from "./config/project-config.js";
export * from "./errors.js";
export { applyOutput, type OutputPlan, planOutput } from "./output/write-output.js";
export { compileProject, loadValidRollouts, type ProjectSettings } from "./project.js";
export { parseDuration } from "./rollout/duration.js";
export { loadRollouts } from "./rollout/load.js";
export { parseRollouts } from "./rollout/parse-rollouts.js";
export type * from "./rollout/types.js";
