/** `meshcanary promote NS/NAME`: the watchdog's own promote edit, made by a person. */
import type { ManualCommandSpec } from "./manual-control.js";

export const PROMOTE_COMMAND: ManualCommandSpec = {
  action: "promote",
  description:
    "Promote a rollout's canary now, at any step: the canary becomes stable, canary is removed, status.phase Promoted, manifests recompiled (subject `promote <ns>/<name>: <canary> is now stable`, as the watchdog writes it). The way on for analysis.promotion: manual.",
  examples: [
    'meshcanary promote recs/recommend --repo https://git.example.com/platform/gitops.git --git-token-file /run/secrets/git-token --reason "approved by the model review"',
  ],
};
