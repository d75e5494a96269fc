import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { REPO_ROOT } from "../support/paths.js";
import { findLeaks, fingerprint, secretForms } from "../support/secrets-audit.js";

describe("secrets audit", () => {
  it("names each output that holds a secret by label and fingerprint, never the secret", () => {
    const secret = "tok-0123456789abcdef";
    const leaks = findLeaks(
      [secret, "other-secret-value"],
      [
        { label: "stderr of meshcanary watch", source: `refused ${secret}\n` },
        { label: "page /", source: () => "<p>nothing here</p>" },
        { label: "git history", source: () => `+token: ${secret}\n` },
      ],
    );
    expect(leaks).to.deep.equal([
      `stderr of meshcanary watch: ${fingerprint(secret)}`,
      `git history: ${fingerprint(secret)}`,
    ]);
    expect(leaks.join("\n")).not.to.include(secret);
    expect(fingerprint(secret)).to.match(/^secret sha256:[0-9a-f]{12} \(20 chars\)$/);
  });

  it("searches a key file line by line, without its public armour, and skips values too short to be secrets", () => {
    const key =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE\nbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";
    expect(secretForms(key)).to.deep.equal([
      key.trim(),
      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE",
      "bm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    ]);
    expect(secretForms(" token-one\n")).to.deep.equal(["token-one"]);
    expect(secretForms("")).to.deep.equal([]);
    expect(secretForms("t\n")).to.deep.equal([]);
  });

  it("reports an output it cannot read instead of passing it", () => {
    const leaks = findLeaks(
      ["some-secret"],
      [
        {
          label: "a removed remote",
          source: () => {
            throw new Error("gone");
          },
        },
      ],
    );
    expect(leaks).to.deep.equal(["a removed remote: cannot be read for the audit: gone"]);
  });

  it("fails a mocha run whose test leaks a registered secret, through the root hook", function () {
    this.timeout(60_000);
    const token = `leak-${randomBytes(8).toString("hex")}`;
    const r = spawnSync(
      process.execPath,
      [`${REPO_ROOT}/node_modules/mocha/bin/mocha.js`, "test/support/leak-fixture.ts"],
      {
        cwd: REPO_ROOT,
        encoding: "utf8",
        env: { ...process.env, LEAKED_TOKEN: token },
        timeout: 50_000,
      },
    );
    const output = r.stdout + r.stderr;
    expect(r.status, output).to.not.equal(0);
    expect(output).to.include(`stderr of a leaky command: ${fingerprint(token)}`);
    expect(output).to.not.include("stdout of a careful command");
    expect(output).to.not.include(token);
  });
});
