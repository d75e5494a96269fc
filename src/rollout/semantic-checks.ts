/**
 * Checks one document beyond what JSON Schema can say. Runs only on documents
 * that passed the schema, so every field has the type the schema promised.
 */
import {
  affinityOnGatewayApi,
  canaryMatchMerges,
  sessionAffinityValid,
} from "./affinity-checks.js";
import type { RolloutDocument } from "./document.js";
import { parseDuration } from "./duration.js";
import { checkGatewayApi } from "./gateway-api-checks.js";
import { targetOfDocument } from "./resolve.js";
import type { SpecIssue } from "./schema-check.js";
import {
  CUSTOM_METRIC_PLACEHOLDERS,
  NAMED_KINDS,
  type NamedKind,
  type RepositoryDefaults,
  type RoutingTargetName,
} from "./types.js";

type Check = (doc: RolloutDocument, target: RoutingTargetName) => SpecIssue[];

const stepsIncrease: Check = (doc) => {
  const steps = doc.spec.traffic?.steps ?? [];
  const issues: SpecIssue[] = [];
  for (let i = 1; i < steps.length; i++) {
    const previous = steps[i - 1] as number;
    if ((steps[i] as number) <= previous) {
      issues.push({
        path: ["spec", "traffic", "steps", i],
        message: `must be greater than ${previous}`,
      });
    }
  }
  return issues;
};

const weightNeedsCanary: Check = (doc) =>
  doc.spec.canary === undefined && (doc.spec.traffic?.canaryWeight ?? 0) > 0
    ? [
        {
          path: ["spec", "traffic", "canaryWeight"],
          message: "must be 0 when there is no spec.canary",
        },
      ]
    : [];

const canaryDiffers: Check = (doc) => {
  const { stable, canary } = doc.spec;
  if (canary === undefined) return [];
  const issues: SpecIssue[] = [];
  if (canary.name === stable.name) {
    issues.push({
      path: ["spec", "canary", "name"],
      message: `must differ from spec.stable.name (${stable.name})`,
    });
  }
  if (sameLabels(canary.labels, stable.labels)) {
    issues.push({
      path: ["spec", "canary", "labels"],
      message: "must differ from spec.stable.labels, or both subsets select the same pods",
    });
  }
  return issues;
};

function sameLabels(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && b[k] === a[k])
  );
}

const PLACEHOLDER = /\{\{\s*([^}\s]*)\s*\}\}/g;
const KNOWN_PLACEHOLDERS: ReadonlySet<string> = new Set(CUSTOM_METRIC_PLACEHOLDERS);

const customMetrics: Check = (doc) => {
  const issues: SpecIssue[] = [];
  const seen = new Set<string>();
  (doc.spec.analysis?.metrics ?? []).forEach((metric, i) => {
    const at = ["spec", "analysis", "metrics", i];
    if (seen.has(metric.name))
      issues.push({ path: [...at, "name"], message: `duplicate metric name ${metric.name}` });
    seen.add(metric.name);
    if (metric.min === undefined && metric.max === undefined) {
      issues.push({ path: at, message: "needs min or max (or both)" });
    }
    if (metric.min !== undefined && metric.max !== undefined && metric.min > metric.max) {
      issues.push({
        path: [...at, "min"],
        message: `must not be greater than max (${metric.max})`,
      });
    }
    for (const [, name] of metric.query.matchAll(PLACEHOLDER)) {
      if (!KNOWN_PLACEHOLDERS.has(name ?? "")) {
        issues.push({
          path: [...at, "query"],
          message: `unknown placeholder {{ ${name} }}; use one of ${CUSTOM_METRIC_PLACEHOLDERS.join(", ")}`,
        });
      }
    }
  });
  return issues;
};

/**
 * A shadow's deadline must leave room for a verdict: its checks judge only
 * windows that start after the shadow did (no evidence from before it), so
 * the first counts after one window, and a decision needs
 * max(promoteAfter, rollbackAfter) of them, one interval apart.
 */
const shadowDeadline: Check = (doc) => {
  const shadow = doc.spec.traffic?.shadow;
  if (shadow === undefined) return [];
  const analysis = doc.spec.analysis ?? {};
  const interval = analysis.interval ?? "30s";
  const window = analysis.window ?? "1m";
  const promoteAfter = shadow.promoteAfter ?? analysis.promoteAfter ?? 3;
  const rollbackAfter = analysis.rollbackAfter ?? 2;
  const checks = Math.max(promoteAfter, rollbackAfter);
  const neededMs = (parseDuration(window) as number) + checks * (parseDuration(interval) as number);
  if ((parseDuration(shadow.deadline) as number) >= neededMs) return [];
  return [
    {
      path: ["spec", "traffic", "shadow", "deadline"],
      message: `must be at least analysis.window + analysis.interval × ${checks} (max of promoteAfter ${promoteAfter}, rollbackAfter ${rollbackAfter}) = ${window} + ${checks} × ${interval}, or the shadow ends before enough checks could decide`,
    },
  ];
};

/** `spec.names` may name only the kinds the rollout's target emits. */
const namesOfTarget: Check = (doc, target) =>
  Object.keys(doc.spec.names ?? {})
    .filter((kind) => NAMED_KINDS[kind as NamedKind] !== target)
    .map((kind) => ({
      path: ["spec", "names", kind],
      message: `names a manifest of target ${NAMED_KINDS[kind as NamedKind]}, but this rollout's target is ${target}${doc.spec.target === undefined ? " (meshcanary.yaml's target, or the default)" : ""}; name ${Object.entries(
        NAMED_KINDS,
      )
        .filter(([, t]) => t === target)
        .map(([k]) => k)
        .join(" or ")} instead`,
    }));

/** The catch-all route to the stable version is named `stable`; the rollout's route needs another name. */
const routeNameFree: Check = (doc) =>
  doc.spec.route?.name === "stable"
    ? [
        {
          path: ["spec", "route", "name"],
          message: "stable names the catch-all route to the stable version; choose another name",
        },
      ]
    : [];

const TARGET_CHECKS: Readonly<Record<RoutingTargetName, Check>> = {
  istio: () => [],
  "gateway-api": checkGatewayApi,
};

const CHECKS: readonly Check[] = [
  stepsIncrease,
  weightNeedsCanary,
  canaryDiffers,
  customMetrics,
  shadowDeadline,
  namesOfTarget,
  routeNameFree,
  canaryMatchMerges,
  sessionAffinityValid,
  affinityOnGatewayApi,
  (doc, target) => TARGET_CHECKS[target](doc, target),
];

export function checkSemantics(
  doc: RolloutDocument,
  defaults: RepositoryDefaults = {},
): SpecIssue[] {
  const target = targetOfDocument(doc, defaults);
  return CHECKS.flatMap((check) => check(doc, target));
}
