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
    read: (path) => real.read(path),
    list: (path) => real.list(path),
    lastChangeTimes: (paths) => real.lastChangeTimes(paths),
    commit: (files, message) => real.commit(files, message),
    push: () => push(() => real.push()),
  };
}
