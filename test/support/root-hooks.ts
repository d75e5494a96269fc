/**
 * Mocha root hooks, loaded for every run by .mocharc.json's `require`: after
 * all tests (after each file's tests under --parallel), the secrets audit.
 */
import { runSecretsAudit } from "./secrets-audit.js";

export const mochaHooks = {
  afterAll(): void {
    runSecretsAudit();
  },
};
