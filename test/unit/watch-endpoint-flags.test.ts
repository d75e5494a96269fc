/** Bad values and combinations of the Argo CD and notification flags: each a usage error (exit 2) naming the flag. */
import { expect } from "chai";
import { Registry } from "prom-client";
import { argoCdFromFlags } from "../../src/cli/argocd-options.js";
import { type NotifyFlags, notifierFromFlags } from "../../src/cli/notify-options.js";
import { run } from "../../src/cli/program.js";
import { UsageError } from "../../src/errors.js";
import { silentLogger } from "../../src/watchdog/log.js";

const ARGO = { argocdUrl: "https://argocd.example", argocdApp: "routes" };

describe("watch: Argo CD and notification flags", () => {
  const cases: [string, () => unknown, string][] = [
    [
      "--argocd-url without --argocd-app",
      () => argoCdFromFlags({ argocdUrl: "http://a" }, {}),
      "--argocd-url and --argocd-app go together",
    ],
    [
      "a token file without --argocd-url",
      () => argoCdFromFlags({ argocdTokenFile: "/run/token" }, {}),
      "--argocd-token-file needs --argocd-url and --argocd-app",
    ],
    [
      "a CA file without --argocd-url",
      () => argoCdFromFlags({ argocdCaFile: "/run/ca.crt" }, {}),
      "--argocd-ca-file needs --argocd-url and --argocd-app",
    ],
    [
      "a token file and $ARGOCD_AUTH_TOKEN",
      () =>
        argoCdFromFlags({ ...ARGO, argocdTokenFile: "/run/token" }, { ARGOCD_AUTH_TOKEN: "t0k" }),
      "--argocd-token-file and $ARGOCD_AUTH_TOKEN: choose one place for the Argo CD token",
    ],
    [
      "a CA file with an http:// URL (the URL's credentials not repeated)",
      () =>
        argoCdFromFlags(
          { argocdUrl: "http://u:pw@argocd", argocdApp: "a", argocdCaFile: "/run/ca.crt" },
          {},
        ),
      "--argocd-ca-file needs an https:// --argocd-url",
    ],
  ];
  for (const [what, call, message] of cases)
    it(what, () => {
      expect(call).to.throw(UsageError, message).with.property("exitCode", 2);
      try {
        call();
      } catch (error) {
        expect((error as Error).message).to.equal(message);
      }
    });

  it("takes $ARGOCD_AUTH_TOKEN when no token file is given, and nothing without --argocd-url", () => {
    expect(argoCdFromFlags(ARGO, { ARGOCD_AUTH_TOKEN: "t0k" })).to.be.a("function");
    expect(argoCdFromFlags({}, { ARGOCD_AUTH_TOKEN: "t0k" })).to.equal(undefined);
  });

  it("builds no notifier without a webhook file", () => {
    expect(notify({ reportUrlBase: "https://x.example" })).to.equal(undefined);
  });

  const badValues: [string[], string][] = [
    [
      ["--argocd-url", "http://argocd", "--argocd-app", "routes", "--argocd-server-name", "argocd"],
      "--argocd-server-name needs an https:// --argocd-url",
    ],
  ];
  for (const [args, message] of badValues)
    it(`watch ${args.join(" ")}: exit 2 before touching git (bad values as commander reads them: test/integration/bad-flags.test.ts)`, async () => {
      const errors: string[] = [];
      const io = { out() {}, error: (line: string) => errors.push(line), note() {} };
      const code = await run(
        [
          "node",
          "meshcanary",
          "watch",
          "--repo",
          "/nonexistent/repo.git",
          "--prometheus",
          "http://127.0.0.1:1",
          "--notify-webhook-file",
          "/run/hook",
          ...args,
        ],
        () => io,
      );
      expect(code).to.equal(2);
      expect(errors.join("\n")).to.contain(message);
    });
});

function notify(flags: NotifyFlags) {
  return notifierFromFlags(flags, { log: silentLogger, registry: new Registry(), secrets: [] });
}
