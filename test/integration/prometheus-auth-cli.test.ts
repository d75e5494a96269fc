/**
 * `meshcanary status` and `watch` as processes against a real Prometheus
 * behind TLS and bcrypt basic auth: the flags work end to end, a refused
 * password is exit 3 (status) or /healthz's lastError (watch) naming the flag,
 * no secret reaches stdout, stderr, /healthz or /metrics, and the running
 * watchdog recovers when the password Secret is rotated, without a restart.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { expect } from "chai";
import fetch from "node-fetch";
import { PrometheusClient } from "../../src/prometheus/client.js";
import { SecretFile } from "../../src/secrets/secret-file.js";
import { runCli, startCli } from "../support/cli.js";
import { tempDir } from "../support/files.js";
import { freePort } from "../support/free-port.js";
import type { BareRemote } from "../support/git-remote.js";
import { makeSpec, specYaml } from "../support/make-spec.js";
import { type PrometheusServer, startPrometheus } from "../support/prometheus-server.js";
import { fastSpec, rolloutRemote } from "../support/rollout-repo.js";
import { secretMount } from "../support/secret-mount.js";
import { auditOutput, auditSecret } from "../support/secrets-audit.js";
import { makeTestCerts, SERVER_NAME, type TestCerts } from "../support/tls-certs.js";
import { waitFor } from "../support/watchdog-harness.js";

describe("Prometheus auth flags (meshcanary as a process)", function () {
  this.timeout(120_000);
  const dir = tempDir("meshcanary-auth-cli-");
  const password = randomBytes(16).toString("hex");
  const wrongPassword = randomBytes(16).toString("hex");
  const passwordFile = join(dir, "password");
  const wrongPasswordFile = join(dir, "wrong-password");
  const specDir = join(dir, "rollouts");
  let certs: TestCerts;
  let prom: PrometheusServer;
  /** Every form of a secret that must never be printed. */
  const secrets = () => [
    password,
    wrongPassword,
    Buffer.from(`meshcanary:${password}`).toString("base64"),
    Buffer.from(`meshcanary:${wrongPassword}`).toString("base64"),
  ];
  auditSecret(...secrets());
  const tlsFlags = () => [
    "--prometheus-ca-file",
    certs.caCert,
    "--prometheus-server-name",
    SERVER_NAME,
    "--prometheus-username",
    "meshcanary",
  ];

  /** The secret itself is never an argument: only its file's path. */
  const status = (passwordPath: string) =>
    runCli(
      [
        "status",
        specDir,
        "--prometheus",
        prom.url,
        ...tlsFlags(),
        "--prometheus-password-file",
        passwordPath,
      ],
      dir,
    );

  before(async () => {
    certs = makeTestCerts(dir);
    writeFileSync(passwordFile, `${password}\n`);
    writeFileSync(wrongPasswordFile, `${wrongPassword}\n`);
    mkdirSync(specDir);
    writeFileSync(join(specDir, "recommend.yaml"), specYaml(makeSpec()));
    const auth = {
      basic: { username: "meshcanary", password: new SecretFile("--p", passwordFile) },
      tls: { ca: new SecretFile("--c", certs.caCert), serverName: SERVER_NAME },
    };
    prom = await startPrometheus({
      targets: [],
      webConfig: {
        tls_server_config: { cert_file: certs.serverCert, key_file: certs.serverKey },
        basic_auth_users: { meshcanary: bcrypt.hashSync(password, 4) },
      },
      isReady: (url) =>
        new PrometheusClient({ url, timeoutMs: 1000, auth }).query("vector(1)", Date.now()).then(
          () => true,
          () => false,
        ),
    });
  });
  after(() => prom.close());

  it("status queries an https Prometheus with a CA file, server name, username and password file", () => {
    const r = status(passwordFile);
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^recs\/recommend {2}Progressing {2}5% /);
    expect(r.stdout).to.match(/ {2}now: hold: /);
  });

  const failures: [string, () => string, () => string][] = [
    [
      "a wrong password",
      () => wrongPasswordFile,
      () =>
        `${prom.url} answered 401 Unauthorized: check --prometheus-username, --prometheus-password-file`,
    ],
    [
      "an unreadable password file",
      () => join(dir, "missing-password"),
      () =>
        `cannot read --prometheus-password-file ${join(dir, "missing-password")}: ENOENT (no such file)`,
    ],
  ];
  for (const [what, file, message] of failures) {
    it(`status with ${what} exits 3 naming the flag, and prints no secret`, () => {
      const r = status(file());
      expect(r.code).to.equal(3);
      expect(r.stderr).to.include(message());
      for (const secret of secrets()) {
        expect(r.stdout).not.to.include(secret);
        expect(r.stderr).not.to.include(secret);
      }
    });
  }

  describe("watch", () => {
    let remote: BareRemote;
    before(() => {
      remote = rolloutRemote(fastSpec());
    });
    after(() => remote.remove());

    it("holds while the password is refused, reports it on /healthz, and recovers when the Secret is rotated", async () => {
      const mount = secretMount(join(dir, "k8s"), { password: `${wrongPassword}\n` });
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const cli = startCli(
        [
          "watch",
          "--repo",
          remote.bare,
          "--prometheus",
          prom.url,
          ...tlsFlags(),
          "--prometheus-password-file",
          mount.path("password"),
          "--interval",
          "1s",
          "--listen",
          `127.0.0.1:${port}`,
        ],
        dir,
      );
      const healthz = async () => {
        try {
          const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
          return { status: res.status, text: await res.text() };
        } catch {
          return undefined;
        }
      };
      try {
        const failing = await waitFor("/healthz to report the refused password", async () => {
          const h = await healthz();
          return h?.text.includes("401") === true ? h : undefined;
        });
        expect(JSON.parse(failing.text).lastError).to.equal(
          `Prometheus query_range: ${prom.url} answered 401 Unauthorized: check --prometheus-username, --prometheus-password-file`,
        );
        const metrics = await (await fetch(`${base}/metrics`)).text();
        mount.update({ password: `${password}\n` });
        // A successful cycle clears lastError.
        const ok = await waitFor("/healthz to recover", async () => {
          const h = await healthz();
          return h?.status === 200 && JSON.parse(h.text).lastError === undefined ? h : undefined;
        });
        expect(JSON.parse(ok.text).status).to.equal("ok");
        const { stdout, stderr } = cli.output();
        auditOutput("/healthz (refused password)", failing.text);
        auditOutput("/healthz (recovered)", ok.text);
        auditOutput("/metrics", metrics);
        for (const secret of secrets())
          for (const text of [stdout, stderr, failing.text, ok.text, metrics])
            expect(text).not.to.include(secret);
        expect(cli.child.exitCode).to.equal(null);
      } finally {
        cli.child.kill("SIGTERM");
        await cli.exited;
      }
    });
  });
});
