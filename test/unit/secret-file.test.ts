/** SecretFile: the value as it is in the file now, and errors that name the file but never its content. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { redactSecrets } from "../../src/secrets/redact.js";
import { SecretFile, SecretFileError } from "../../src/secrets/secret-file.js";
import { tempDir } from "../support/files.js";
import { secretMount } from "../support/secret-mount.js";

describe("SecretFile", () => {
  const dir = tempDir("meshcanary-secret-");

  const trims: [string, string, string][] = [
    ["no newline", "s3cret", "s3cret"],
    ["one newline (echo)", "s3cret\n", "s3cret"],
    ["one CRLF", "s3cret\r\n", "s3cret"],
    ["only the last of two newlines", "s3cret\n\n", "s3cret\n"],
    ["inner spaces", " s3 cret ", " s3 cret "],
  ];
  for (const [what, content, value] of trims) {
    it(`reads a value with ${what} as ${JSON.stringify(value)}`, async () => {
      const path = join(dir, `trim-${trims.findIndex((t) => t[0] === what)}`);
      writeFileSync(path, content);
      expect(await new SecretFile("--x-file", path).read()).to.equal(value);
    });
  }

  it("follows a Kubernetes Secret rotation (..data symlink swap) through the same object", async () => {
    const mount = secretMount(join(dir, "k8s"), { token: "first-token\n" });
    const secret = new SecretFile("--prometheus-bearer-token-file", mount.path("token"));
    expect(await secret.read()).to.equal("first-token");
    // Same length: a size-based change check would miss it.
    mount.update({ token: "other-token\n" });
    expect(await secret.read()).to.equal("other-token");
  });

  it("follows a file rewritten in place", async () => {
    const path = join(dir, "in-place");
    writeFileSync(path, "aaaa");
    const secret = new SecretFile("--x-file", path);
    expect(await secret.read()).to.equal("aaaa");
    writeFileSync(path, "bbbb");
    expect(await secret.read()).to.equal("bbbb");
  });

  const failures: [string, () => string, RegExp][] = [
    [
      "a missing file",
      () => join(dir, "missing"),
      /^cannot read --x-file \S+missing: ENOENT \(no such file\)$/,
    ],
    [
      "a directory",
      () => {
        mkdirSync(join(dir, "a-dir"), { recursive: true });
        return join(dir, "a-dir");
      },
      /^cannot read --x-file \S+a-dir: EISDIR/,
    ],
    [
      "an empty file",
      () => {
        writeFileSync(join(dir, "empty"), "\n");
        return join(dir, "empty");
      },
      /^--x-file \S+empty: file is empty$/,
    ],
    [
      "a dangling symlink (the Secret's key removed)",
      () => {
        const mount = secretMount(join(dir, "k8s-gone"), { token: "t" });
        mount.update({ other: "x" });
        return mount.path("token");
      },
      /^cannot read --x-file \S+token: ENOENT/,
    ],
  ];
  for (const [what, make, message] of failures) {
    it(`refuses ${what} with a SecretFileError naming flag and path (exit 3)`, async () => {
      const path = make();
      const error = await new SecretFile("--x-file", path).read().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(SecretFileError);
      expect((error as SecretFileError).message).to.match(message);
      expect((error as SecretFileError).message).to.include(path);
      expect((error as SecretFileError).exitCode).to.equal(3);
    });
  }
});

describe("redactSecrets", () => {
  const cases: [string, string, string[], string][] = [
    ["a secret anywhere", "got abc123 back", ["abc123"], "got *** back"],
    ["every occurrence", "x abc x abc", ["abc"], "x *** x ***"],
    ["the longer of overlapping secrets first", "tok-long", ["tok", "tok-long"], "***"],
    ["URL credentials", "https://u:p@prom.example/x", [], "https://***@prom.example/x"],
    ["nothing when no secret is in it", "plain", ["zzz", ""], "plain"],
  ];
  for (const [what, text, secrets, out] of cases)
    it(`masks ${what}`, () => expect(redactSecrets(text, secrets)).to.equal(out));
});
