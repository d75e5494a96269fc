/**
 * A GitOps repo for watchdog tests: meshcanary.yaml, one rollout spec and its
 * compiled manifests, pushed to a local bare remote, as a platform team would
 * have it before starting a canary.
 */
import { stringify } from "yaml";
import { compileRollouts, rootKustomization } from "../../src/compile/compile.js";
import { BareRemote } from "./git-remote.js";
import { makeRollout, makeSpec, type SpecDoc } from "./make-spec.js";

export const SPEC_PATH = "rollouts/recommend.yaml";
export const VS_PATH = "manifests/recs/recommend/virtualservice.yaml";
export const DR_PATH = "manifests/recs/recommend/destinationrule.yaml";

/** A canary spec tuned for tests: 1 s checks over a 5 s window. */
export function fastSpec(
  overrides: { traffic?: SpecDoc; analysis?: SpecDoc; status?: SpecDoc } = {},
): SpecDoc {
  return makeSpec({
    ...(overrides.status === undefined ? {} : { status: overrides.status }),
    spec: {
      traffic: { canaryWeight: 20, steps: [20, 50, 100], ...overrides.traffic },
      analysis: {
        interval: "1s",
        window: "5s",
        promoteAfter: 2,
        rollbackAfter: 2,
        minRequests: 20,
        sla: { latency: { quantile: 0.99, maxMs: 150 }, errorRate: { max: 0.05 } },
        ...overrides.analysis,
      },
    },
  });
}

/** The spec text plus its compiled manifests, as files of the repo. */
export function repoFiles(spec: SpecDoc): Record<string, string> {
  const text = `# The recommend rollout (test fixture). Comments like this one must survive the watchdog's edits.\n${stringify(spec)}`;
  const rollout = makeRollout(spec, SPEC_PATH);
  const files: Record<string, string> = {
    "meshcanary.yaml": "specs: rollouts\nout: manifests\n",
    [SPEC_PATH]: text,
  };
  for (const f of compileRollouts([rollout])) files[`manifests/${f.path}`] = f.content;
  files["manifests/kustomization.yaml"] = rootKustomization(["recs/recommend"]).content;
  return files;
}

export function rolloutRemote(spec: SpecDoc = fastSpec()): BareRemote {
  return new BareRemote(repoFiles(spec));
}

/** The spec on the gateway-api target: HTTPRoute + per-version Services, pods selected by `app: recommender`. */
export function onGatewayApi(spec: SpecDoc): SpecDoc {
  const inner = spec.spec as SpecDoc;
  return {
    ...spec,
    spec: {
      ...inner,
      target: "gateway-api",
      service: { ...(inner.service as SpecDoc), selector: { app: "recommender" } },
    },
  };
}
