/**
 * The PrometheusRule's alerts, checked by Prometheus' own promtool: the rules
 * parse (`check rules`), and each alert fires on a series that should fire it
 * and stays quiet on a healthy one (`test rules`, evaluated every minute).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { stringify } from "yaml";
import { kustomize, only } from "../support/deploy-build.js";
import { findExecutable } from "../support/find-executable.js";

/** The labels prometheus-operator puts on a scraped watchdog's series. */
const TARGET = {
  job: "meshcanary",
  namespace: "meshcanary",
  pod: "meshcanary-7d4b9",
  instance: "10.0.0.7:9464",
};
const T = Object.entries(TARGET)
  .map(([k, v]) => `${k}="${v}"`)
  .join(",");

interface AlertCase {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly {
    exp_labels: Record<string, string>;
    exp_annotations: Record<string, string>;
  }[];
}
interface RuleTest {
  readonly name: string;
  readonly input_series: readonly { series: string; values: string }[];
  readonly alert_rule_test: readonly AlertCase[];
}

const quiet = (alertname: string, eval_time: string): AlertCase => ({
  alertname,
  eval_time,
  exp_alerts: [],
});

const fires = (
  alertname: string,
  eval_time: string,
  exp_labels: Record<string, string>,
  exp_annotations: Record<string, string>,
): AlertCase => ({ alertname, eval_time, exp_alerts: [{ exp_labels, exp_annotations }] });

const CYCLES_FAILING = (value: string) => ({
  summary: "meshcanary cycles are failing",
  description: `${value} of meshcanary's cycles in meshcanary/meshcanary-7d4b9 failed over the last 10 minutes. Canaries hold while cycles fail; see the watchdog's log ("cycle failed" or "Prometheus query failed") and /readyz.`,
});
const NO_SUCCESS = (age: string) => ({
  summary: "meshcanary has had no successful cycle for 15 minutes",
  description: `meshcanary/meshcanary-7d4b9 has not completed a cycle without a Prometheus or git failure for ${age}. No canary is rolled back meanwhile. See /readyz and the log.`,
});
const DOWN = {
  summary: "meshcanary is down or not scraped",
  description:
    'Prometheus has no successful scrape of meshcanary (job="meshcanary") for 5 minutes. No canary is rolled back meanwhile.',
};
const SPEC_INVALID = {
  summary: "a rollout spec does not validate",
  description:
    '1 spec file(s) in the GitOps repo do not validate and are skipped, so their rollouts are neither rolled back nor advanced. Run `meshcanary validate` on the repo, or look for "invalid spec skipped" in the watchdog\'s log.',
};
const ROLLBACK = {
  summary: "meshcanary rolled a canary back",
  description:
    'meshcanary pushed a rollback in the last 15 minutes. The commit "rollback <namespace>/<name>: …" in the GitOps repo says which rollout and why; the dashboard\'s decision panels show it too.',
};

const TESTS: readonly RuleTest[] = [
  {
    name: "half the cycles fail for 15 minutes",
    input_series: [
      { series: `meshcanary_cycles_total{result="error",${T}}`, values: "0+3x30" },
      { series: `meshcanary_cycles_total{result="ok",${T}}`, values: "0+3x30" },
    ],
    alert_rule_test: [
      quiet("MeshcanaryCyclesFailing", "10m"), // pending for its first 10 minutes
      fires(
        "MeshcanaryCyclesFailing",
        "15m",
        { ...TARGET, severity: "warning" },
        CYCLES_FAILING("50%"),
      ),
    ],
  },
  {
    name: "healthy cycles, and one failure among a hundred",
    input_series: [
      { series: `meshcanary_cycles_total{result="error",${T}}`, values: "0x10 1x20" },
      { series: `meshcanary_cycles_total{result="ok",${T}}`, values: "0+6x30" },
    ],
    alert_rule_test: [
      quiet("MeshcanaryCyclesFailing", "25m"),
      quiet("MeshcanaryNoSuccessfulCycle", "25m"),
    ],
  },
  {
    name: "cycles succeed until 10m, then never again",
    input_series: [
      {
        series: `meshcanary_last_successful_cycle_timestamp_seconds{${T}}`,
        values: "0+60x10 600x30",
      },
      { series: `meshcanary_start_time_seconds{${T}}`, values: "0x40" },
    ],
    alert_rule_test: [
      quiet("MeshcanaryNoSuccessfulCycle", "10m"),
      quiet("MeshcanaryNoSuccessfulCycle", "20m"), // 10 minutes without success
      fires(
        "MeshcanaryNoSuccessfulCycle",
        "26m",
        { ...TARGET, severity: "critical" },
        NO_SUCCESS("16m 0s"),
      ),
    ],
  },
  {
    name: "a watchdog that never succeeds counts from its start",
    input_series: [{ series: `meshcanary_start_time_seconds{${T}}`, values: "0x40" }],
    alert_rule_test: [
      quiet("MeshcanaryNoSuccessfulCycle", "14m"),
      fires(
        "MeshcanaryNoSuccessfulCycle",
        "16m",
        { ...TARGET, severity: "critical" },
        NO_SUCCESS("16m 0s"),
      ),
    ],
  },
  {
    name: "the scrape fails from 6m",
    input_series: [{ series: `up{${T}}`, values: "1x5 0x20" }],
    alert_rule_test: [
      quiet("MeshcanaryDown", "5m"),
      quiet("MeshcanaryDown", "10m"), // pending
      fires("MeshcanaryDown", "12m", { ...TARGET, severity: "critical" }, DOWN),
    ],
  },
  {
    name: "meshcanary is not scraped at all",
    input_series: [{ series: 'up{job="something-else"}', values: "1x20" }],
    alert_rule_test: [
      fires("MeshcanaryDown", "10m", { job: "meshcanary", severity: "critical" }, DOWN),
    ],
  },
  {
    name: "a healthy scrape",
    input_series: [{ series: `up{${T}}`, values: "1x20" }],
    alert_rule_test: [quiet("MeshcanaryDown", "15m")],
  },
  {
    name: "a spec stops validating at 6m",
    input_series: [{ series: `meshcanary_invalid_specs{${T}}`, values: "0x5 1x10" }],
    alert_rule_test: [
      quiet("MeshcanarySpecInvalid", "5m"),
      quiet("MeshcanarySpecInvalid", "6m"), // pending
      fires("MeshcanarySpecInvalid", "8m", { ...TARGET, severity: "warning" }, SPEC_INVALID),
    ],
  },
  {
    name: "the first rollback since start-up, at 6m, among advances",
    input_series: [
      {
        series: `meshcanary_decisions_by_action_total{action="rollback",${T}}`,
        values: "0x5 1x40",
      },
      {
        series: `meshcanary_decisions_by_action_total{action="advance",${T}}`,
        values: "0+1x45",
      },
    ],
    alert_rule_test: [
      quiet("MeshcanaryRollback", "5m"), // advances alone never alert
      fires(
        "MeshcanaryRollback",
        "7m",
        { ...TARGET, action: "rollback", severity: "warning" },
        ROLLBACK,
      ),
      quiet("MeshcanaryRollback", "25m"), // resolved 15 minutes later
    ],
  },
];

function promtool(args: readonly string[]): { code: number | null; output: string } {
  const binary = findExecutable("promtool");
  if (binary === undefined)
    throw new Error("promtool not found: install Debian's prometheus package");
  const r = spawnSync(binary, args, { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("deploy/ alerts (promtool)", () => {
  let dir: string;
  let rules: { groups: { rules: { alert?: string }[] }[] };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "meshcanary-alerts-"));
    const rule = only(kustomize("base"), "PrometheusRule") as unknown as {
      spec: typeof rules;
    };
    rules = rule.spec;
    writeFileSync(join(dir, "rules.yaml"), stringify(rules));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function testRules(tests: readonly RuleTest[]) {
    writeFileSync(
      join(dir, "tests.yaml"),
      stringify({
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: tests.map((t) => ({ interval: "1m", ...t })),
      }),
    );
    return promtool(["test", "rules", join(dir, "tests.yaml")]);
  }

  it("the rules pass promtool check rules", () => {
    const r = promtool(["check", "rules", join(dir, "rules.yaml")]);
    expect(r.output).to.match(/SUCCESS: 5 rules found/);
    expect(r.code, r.output).to.equal(0);
  });

  it("every alert fires in its unit test and stays quiet where it should", () => {
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => r.alert ?? []));
    const fired = new Set(
      TESTS.flatMap((t) => t.alert_rule_test.filter((c) => c.exp_alerts.length > 0)).map(
        (c) => c.alertname,
      ),
    );
    const quietChecked = new Set(
      TESTS.flatMap((t) => t.alert_rule_test.filter((c) => c.exp_alerts.length === 0)).map(
        (c) => c.alertname,
      ),
    );
    expect([...fired].sort()).to.deep.equal([...alerts].sort());
    expect([...quietChecked].sort()).to.deep.equal([...alerts].sort());
    const r = testRules(TESTS);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.contain("SUCCESS");
  });

  it("promtool test rules fails when an alert that should fire does not", () => {
    const r = testRules([
      {
        name: "expects a rollback alert on a counter that never moved",
        input_series: [
          {
            series: `meshcanary_decisions_by_action_total{action="rollback",${T}}`,
            values: "0x20",
          },
        ],
        alert_rule_test: [
          fires(
            "MeshcanaryRollback",
            "10m",
            { ...TARGET, action: "rollback", severity: "warning" },
            ROLLBACK,
          ),
        ],
      },
    ]);
    expect(r.code).to.equal(1);
    expect(r.output).to.contain("FAILED");
  });
});
