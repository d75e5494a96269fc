/** Flag values as commander reads them: what each parser accepts and returns (refusals: test/integration/bad-flags.test.ts). */

import { expect } from "chai";
import { InvalidArgumentError } from "commander";
import * as parse from "../../src/cli/flag-values.js";

describe("flag values", () => {
  const accepted: [string, (v: string) => unknown, string, unknown][] = [
    ["duration", parse.duration, "1m30s", 90_000],
    ["duration", parse.duration, "500ms", 500],
    ["listen", parse.listenAddress, "127.0.0.1:9464", { host: "127.0.0.1", port: 9464 }],
    ["listen", parse.listenAddress, ":9464", { host: "127.0.0.1", port: 9464 }],
    ["listen", parse.listenAddress, "[::1]:65535", { host: "::1", port: 65535 }],
    ["listen", parse.listenAddress, "0.0.0.0:1", { host: "0.0.0.0", port: 1 }],
    ["url", parse.httpUrl, "https://prom.example.com/prefix/", "https://prom.example.com/prefix/"],
    ["rollout", parse.rolloutId, "recs/recommend-2", "recs/recommend-2"],
    ["branch", parse.branch, "release/2026.11", "release/2026.11"],
    [
      "remote",
      parse.gitRemote,
      "git@git.example.com:platform/gitops.git",
      "git@git.example.com:platform/gitops.git",
    ],
    ["repo path", parse.repoPath, "deploy/./rollouts", "deploy/./rollouts"],
    ["argocd app", parse.objectName, "recs-routes.v2", "recs-routes.v2"],
    ["author name", parse.authorName, "Canary Bot", "Canary Bot"],
    ["author email", parse.authorEmail, "bot@example.com", "bot@example.com"],
  ];
  for (const [what, parser, value, expected] of accepted) {
    it(`${what} accepts ${value}`, () => {
      expect(parser(value)).to.deep.equal(expected);
    });
  }

  it("times: RFC 3339 with a zone, now, now-<duration>, resolved against one now", () => {
    const now = Date.parse("2026-11-30T12:00:00Z");
    expect(parse.time("2026-11-30T11:00:00+01:00").at(now)).to.equal(
      Date.parse("2026-11-30T10:00:00Z"),
    );
    expect(parse.time("2024-02-29T23:59:59.5Z").at(now)).to.equal(
      Date.parse("2024-02-29T23:59:59.500Z"),
    );
    expect(parse.time("now").at(now)).to.equal(now);
    expect(parse.time("now-1h30m").at(now)).to.equal(now - 5_400_000);
  });

  const refused: [string, (v: string) => unknown, string][] = [
    ["duration", parse.duration, "0s"],
    ["time", parse.time, "2025-02-29T00:00:00Z"],
    ["time", parse.time, "2026-11-30T24:00:00Z"],
    ["time", parse.time, "2026-11-30T10:00:00"],
    ["listen", parse.listenAddress, "localhost"],
    ["listen", parse.listenAddress, "127.0.0.1:65536"],
    ["url", parse.httpUrl, "prometheus:9090"],
    ["branch", parse.branch, "feature/.hidden"],
    ["branch", parse.branch, "a@{1}"],
    ["repo path", parse.repoPath, "rollouts/../../x"],
    ["author email", parse.authorEmail, "bot@example.com extra"],
  ];
  for (const [what, parser, value] of refused) {
    it(`${what} refuses ${value}`, () => {
      expect(() => parser(value)).to.throw(InvalidArgumentError);
    });
  }
});
