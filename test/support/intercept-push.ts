import type { GitOpsRepo } from "../../src/gitops/repo.js";

type PushResult = Awaited<ReturnType<GitOpsRepo["push"]>>;

/**
 * The watchdog's real working copy with its push routed through `push`, which
 * gets the real one: so a test can have a person push first, or the remote refuse.
 */
export function interceptPush(
  real: GitOpsRepo,
  push: (realPush: () => Promise<PushResult>) => Promise<PushResult>,
): GitOpsRepo {
  return {
    dir: real.dir,
    sync: () => real.sync(),
    lastChangeTimes: (paths) => real.lastChangeTimes(paths),
    commit: (paths, message) => real.commit(paths, message),
    push: () => push(() => real.push()),
  };
}
