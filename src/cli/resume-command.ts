/** `meshcanary resume NS/NAME`: the watchdog advances and promotes a paused rollout again. */
import type { ManualCommandSpec } from "./manual-control.js";

export const RESUME_COMMAND: ManualCommandSpec = {
  action: "resume",
  description:
    "Resume a paused rollout: commit the removal of spec.paused (subject `resume <ns>/<name>: at <w>%`). The watchdog advances and promotes it again as its checks allow.",
  examples: [
    "meshcanary resume recs/recommend --repo git@git.example.com:platform/gitops.git",
    "meshcanary resume recs/recommend --dir ~/src/gitops --dry-run",
  ],
};
