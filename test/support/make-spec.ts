/**
 * Fixture builders: a valid rollout document (the recommend case) with
 * overrides, as data or as YAML text, instead of copied objects.
 */
import { stringify } from "yaml";
import { parseRollouts } from "../../src/rollout/parse-rollouts.js";
import type { Rollout } from "../../src/rollout/types.js";

export type SpecDoc = Record<string, unknown>;

export function makeSpec(
  overrides: { metadata?: SpecDoc; spec?: SpecDoc; status?: SpecDoc } = {},
): SpecDoc {
  const doc: SpecDoc = {
    apiVersion: "meshcanary.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: "recommend", namespace: "recs", ...overrides.metadata },
    spec: {
      service: { host: "recommender", port: 8080 },
      route: {
        match: [{ uri: { exact: "/api/v1/recommend" }, method: { exact: "POST" } }],
        timeout: "2s",
      },
      stable: { name: "v1", labels: { version: "v1" } },
      canary: { name: "v2", labels: { version: "v2" } },
      traffic: { canaryWeight: 5 },
      analysis: { interval: "10s", sla: { latency: { maxMs: 150 } } },
      ...overrides.spec,
    },
  };
  if (overrides.status !== undefined) doc.status = overrides.status;
  return doc;
}

export function specYaml(...docs: SpecDoc[]): string {
  return docs.map((d) => stringify(d)).join("---\n");
}

/** Parses a document that must be valid; fails the test with the diagnostics otherwise. */
export function makeRollout(doc: SpecDoc = makeSpec(), file = "rollouts/recommend.yaml"): Rollout {
  const parsed = parseRollouts(file, file, specYaml(doc));
  if (parsed.diagnostics.length > 0 || parsed.rollouts.length !== 1) {
    throw new Error(
      `fixture is not one valid rollout:\n${parsed.diagnostics.map((d) => `${d.path}: ${d.message}`).join("\n")}`,
    );
  }
  return (parsed.rollouts[0] as { rollout: Rollout }).rollout;
}
