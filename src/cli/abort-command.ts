/** `meshcanary abort NS/NAME`: a person's rollback to 0 %. */
import type { ManualCommandSpec } from "./manual-control.js";

export const ABORT_COMMAND: ManualCommandSpec = {
  action: "abort",
  description:
    "Abort a rollout: canaryWeight 0, status.phase RolledBack with reason `aborted by <author>`, manifests recompiled to 100 % stable (subject `abort <ns>/<name>: <w>% → 0%`).",
  examples: [
    'meshcanary abort recs/recommend --repo git@git.example.com:platform/gitops.git --reason "wrong model artifact"',
  ],
};
