/** `meshcanary pause NS/NAME`: the watchdog holds the rollout at its weight until `resume`. */
import type { ManualCommandSpec } from "./manual-control.js";

export const PAUSE_COMMAND: ManualCommandSpec = {
  action: "pause",
  description:
    "Pause a rollout: commit spec.paused: true (subject `pause <ns>/<name>: at <w>%`). The watchdog then holds it at its weight: no advance, no promotion; a breach still rolls it back.",
  examples: [
    'meshcanary pause recs/recommend --repo git@git.example.com:platform/gitops.git --reason "holiday freeze"',
    "meshcanary pause recs/recommend            # in a local checkout of the GitOps repo; push it yourself",
  ],
};
