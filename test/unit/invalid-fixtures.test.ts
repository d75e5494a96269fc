/**
 * Every fixtures/invalid/<case>.yaml is refused with exactly the messages in
 * <case>.expected (`file:line:col: path: message` lines). `UPDATE_GOLDEN=1`
 * rewrites the expectations; review the diff.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { InvalidSpecError } from "../../src/errors.js";
import { loadRollouts } from "../../src/rollout/load.js";
import { FIXTURES, REPO_ROOT, UPDATE_GOLDEN } from "../support/paths.js";

const INVALID = join(FIXTURES, "invalid");
const CASES = readdirSync(INVALID)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => f.replace(/\.yaml$/, ""));

describe("invalid specs", () => {
  it("has a fixture for each check", () => {
    expect(CASES.length).to.be.greaterThan(25);
  });

  for (const name of CASES) {
    it(name, () => {
      const result = loadRollouts([`fixtures/invalid/${name}.yaml`], { cwd: REPO_ROOT });
      expect(result.diagnostics, "diagnostics").to.not.be.empty;
      const actual = `${new InvalidSpecError(result.diagnostics).message}\n`;
      const expectedFile = join(INVALID, `${name}.expected`);
      if (UPDATE_GOLDEN) writeFileSync(expectedFile, actual);
      expect(actual).to.equal(readFileSync(expectedFile, "utf8"));
    });
  }
});
