/** The environment git commands run with: no prompts, and SSH time limits that never replace the user's own. */
import { expect } from "chai";
import { gitEnv, sshCommand } from "../../src/gitops/git-command.js";

const LIMITS = sshCommand(60);

describe("git command environment", () => {
  const CASES: [
    what: string,
    env: NodeJS.ProcessEnv,
    ssh: string | undefined,
    set: string | undefined,
  ][] = [
    ["no SSH command of the user's: the limits", {}, LIMITS, LIMITS],
    ["the user's GIT_SSH_COMMAND: kept", { GIT_SSH_COMMAND: "ssh -i key" }, LIMITS, "ssh -i key"],
    [
      "the user's GIT_SSH: no GIT_SSH_COMMAND over it",
      { GIT_SSH: "/usr/bin/myssh" },
      LIMITS,
      undefined,
    ],
    ["no SSH command asked for: nothing set", {}, undefined, undefined],
  ];
  for (const [what, env, ssh, set] of CASES) {
    it(what, () => {
      const out = gitEnv(ssh, env);
      expect(out.GIT_SSH_COMMAND).to.equal(set);
      expect(out.GIT_TERMINAL_PROMPT).to.equal("0");
    });
  }

  const STALLS: [stallSeconds: number, command: string][] = [
    [60, "ssh -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4"],
    [1, "ssh -o ConnectTimeout=1 -o ServerAliveInterval=1 -o ServerAliveCountMax=4"],
    [10, "ssh -o ConnectTimeout=5 -o ServerAliveInterval=3 -o ServerAliveCountMax=4"],
  ];
  for (const [stall, command] of STALLS) {
    it(`gives SSH about ${stall} s of silence: ${command}`, () => {
      expect(sshCommand(stall)).to.equal(command);
    });
  }
});
