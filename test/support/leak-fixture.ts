/**
 * Not a test of the suite (no `.test.ts`): secrets-audit.test.ts runs it in
 * its own mocha process to see the root hook fail a run that leaks a secret.
 */
import { auditOutput, auditSecret } from "./secrets-audit.js";

describe("a test that leaks its secret", () => {
  it("prints the token it was given", () => {
    const token = process.env.LEAKED_TOKEN ?? "";
    auditSecret(token);
    auditOutput("stderr of a leaky command", `error: refused token ${token}\n`);
    auditOutput("stdout of a careful command", "ok\n");
  });
});
