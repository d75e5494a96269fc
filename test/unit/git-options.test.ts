/** The git auth flags: which remote each fits, bad combinations (exit 2, naming the flag), the URL-credential warning. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  DEFAULT_GIT_USERNAME,
  type GitFlags,
  gitAuthFromFlags,
  hasUrlCredential,
  type RemoteKind,
  remoteKind,
} from "../../src/cli/git-options.js";
import { UsageError } from "../../src/errors.js";
import { shellQuote, sshAuthOptions, tokenEnv } from "../../src/gitops/git-auth.js";
import { redactUrlCredentials } from "../../src/gitops/redact.js";
import { claimWorkdir, MARKER } from "../../src/gitops/workdir.js";

describe("git auth flags", () => {
  const KINDS: [string, RemoteKind][] = [
    ["https://git.example.com/gitops.git", "http"],
    ["HTTP://127.0.0.1:8080/gitops.git", "http"],
    ["ssh://git@git.example.com:2222/gitops.git", "ssh"],
    ["git+ssh://git.example.com/gitops.git", "ssh"],
    ["git@github.com:platform/gitops.git", "ssh"],
    ["host:gitops.git", "ssh"],
    ["/srv/gitops.git", "local"],
    ["./a:b", "local"],
    ["file:///srv/gitops.git", "local"],
    ["C:\\repos\\gitops.git", "local"],
  ];
  for (const [remote, kind] of KINDS)
    it(`${remote} is reached over ${kind}`, () => expect(remoteKind(remote)).to.equal(kind));

  const CREDENTIALS: [string, boolean][] = [
    ["https://user:tok@git.example.com/r.git", true],
    ["https://tok@git.example.com/r.git", true],
    ["ssh://git@git.example.com/r.git", false],
    ["ssh://git:pw@git.example.com/r.git", true],
    ["git@github.com:platform/gitops.git", false],
    ["https://git.example.com/r.git", false],
  ];
  for (const [remote, yes] of CREDENTIALS)
    it(`${remote}: ${yes ? "a" : "no"} credential in the URL`, () =>
      expect(hasUrlCredential(remote)).to.equal(yes));

  const HTTPS = "https://git.example.com/gitops.git";
  const SSH = "git@git.example.com:gitops.git";
  const BAD: [what: string, flags: GitFlags, message: RegExp][] = [
    [
      "token with an scp-like remote",
      { repo: SSH, gitTokenFile: "/t" },
      /^--git-token-file needs an https:\/\/ --repo/,
    ],
    [
      "token with a local path",
      { repo: "/srv/g.git", gitTokenFile: "/t" },
      /^--git-token-file needs/,
    ],
    [
      "key with an https remote",
      { repo: HTTPS, gitSshKeyFile: "/k" },
      /^--git-ssh-key-file needs an ssh:\/\//,
    ],
    [
      "known_hosts with an https remote",
      { repo: HTTPS, gitKnownHostsFile: "/h" },
      /^--git-known-hosts-file needs/,
    ],
    [
      "username alone",
      { repo: HTTPS, gitUsername: "me" },
      /^--git-username goes with --git-token-file/,
    ],
    [
      "token and key",
      { repo: HTTPS, gitTokenFile: "/t", gitSshKeyFile: "/k" },
      /choose HTTPS or SSH/,
    ],
    ["token without --repo", { gitTokenFile: "/t" }, /^--git-token-file needs --repo/],
    [
      "token and a URL credential",
      { repo: "https://me:secret-tok@git.example.com/g.git", gitTokenFile: "/t" },
      /^--git-token-file and a credential in the --repo URL/,
    ],
  ];
  for (const [what, flags, message] of BAD)
    it(`${what}: a usage error naming the flag`, () => {
      let error: unknown;
      try {
        gitAuthFromFlags(flags);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message)
        .to.match(message)
        .and.not.include("secret-tok");
    });

  it("a token defaults to the documented user name", () => {
    const { auth } = gitAuthFromFlags({ repo: HTTPS, gitTokenFile: "/t" });
    expect(auth).to.include({ kind: "token", username: DEFAULT_GIT_USERNAME });
  });

  it("an SSH key and known_hosts make SSH auth", () => {
    const { auth } = gitAuthFromFlags({ repo: SSH, gitSshKeyFile: "/k", gitKnownHostsFile: "/h" });
    expect(auth?.kind).to.equal("ssh");
  });

  it("a credential in the URL works with a warning that never holds it", () => {
    const out = gitAuthFromFlags({ repo: "https://me:secret-tok@git.example.com/g.git" });
    expect(out.auth).to.equal(undefined);
    expect(out.warning).to.include("--git-token-file").and.not.include("secret-tok");
  });

  it("no flags, no credential: nothing", () =>
    expect(gitAuthFromFlags({ repo: SSH })).to.deep.equal({}));
});

describe("URL credentials in messages", () => {
  const CASES: [string, string][] = [
    ["https://tok@h/x.git", "https://***@h/x.git"],
    ["https://u:p@h/x.git", "https://***@h/x.git"],
    ["ssh://git@h/x.git", "ssh://git@h/x.git"],
    ["ssh://git:pw@h/x.git", "ssh://***@h/x.git"],
    ["file://u:p@/srv/x.git", "file://***@/srv/x.git"],
  ];
  for (const [text, shown] of CASES)
    it(`${text} → ${shown}`, () => expect(redactUrlCredentials(text)).to.equal(shown));
});

describe("a working copy recorded before SSH login names were shown", () => {
  it("is still taken as this remote's", () => {
    const dir = mkdtempSync(join(tmpdir(), "meshcanary-marker-"));
    try {
      writeFileSync(join(dir, MARKER), `${JSON.stringify({ remote: "ssh://***@h/x.git" })}\n`);
      expect(() => claimWorkdir(dir, "ssh://git@h/x.git")).to.not.throw();
      expect(() => claimWorkdir(dir, "ssh://git@h/other.git")).to.throw(
        UsageError,
        /another remote/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("git auth environment", () => {
  it("drops earlier credential helpers, then reads the token file at each get; paths only", () => {
    const env = tokenEnv("x-access-token", "/run/secrets/git token", { GIT_CONFIG_COUNT: "1" });
    expect(env.GIT_CONFIG_COUNT).to.equal("3");
    expect(env.GIT_CONFIG_KEY_1).to.equal("credential.helper");
    expect(env.GIT_CONFIG_VALUE_1).to.equal("");
    expect(env.GIT_CONFIG_KEY_2).to.equal("credential.helper");
    expect(env.GIT_CONFIG_VALUE_2).to.include(`cat '/run/secrets/git token'`);
    expect(env.GIT_CONFIG_VALUE_2).to.include(`'username=x-access-token'`);
  });

  it("ssh options: only this key, only these host keys, strict, no prompts", () => {
    expect(sshAuthOptions("/k/id", "/k/known hosts")).to.equal(
      `-i '/k/id' -o IdentitiesOnly=yes -o 'UserKnownHostsFile="/k/known hosts"' -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes`,
    );
    expect(sshAuthOptions(undefined, undefined)).to.equal(
      "-o StrictHostKeyChecking=yes -o BatchMode=yes",
    );
  });

  it("quotes a shell word with a quote in it", () =>
    expect(shellQuote("it's")).to.equal(`'it'\\''s'`));
});
