/**
 * The Prometheus client against Debian's real Prometheus behind its own
 * `--web.config.file` (TLS with certificates made by openssl, bcrypt basic
 * auth, mTLS), and behind a loopback proxy that checks a tenant header and a
 * bearer token: each credential works, each failure says which flag to check
 * and never the secret, and the same client recovers once the file is fixed.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { expect } from "chai";
import type { PrometheusAuth } from "../../src/prometheus/auth.js";
import { MetricsQueryError, PrometheusClient } from "../../src/prometheus/client.js";
import { SecretFile } from "../../src/secrets/secret-file.js";
import { type AuthProxy, startAuthProxy } from "../support/auth-proxy.js";
import { tempDir } from "../support/files.js";
import { type PrometheusServer, startPrometheus } from "../support/prometheus-server.js";
import { secretMount } from "../support/secret-mount.js";
import { auditOutput, auditSecret } from "../support/secrets-audit.js";
import { makeTestCerts, SERVER_NAME, type TestCerts } from "../support/tls-certs.js";

const PASSWORD_FLAG = "--prometheus-password-file";
const CA_FLAG = "--prometheus-ca-file";

function client(url: string, auth: PrometheusAuth): PrometheusClient {
  return new PrometheusClient({ url, timeoutMs: 5000, auth });
}

/** `vector(1)` answered: the request got through, whatever else was wrong before. */
async function answers(c: PrometheusClient): Promise<void> {
  const [sample] = await c.query("vector(1)", Date.now());
  expect(sample?.value).to.equal(1);
}

async function failure(c: PrometheusClient): Promise<MetricsQueryError> {
  const error = await c.query("vector(1)", Date.now()).then(
    () => expect.fail("the query succeeded"),
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(MetricsQueryError);
  return error as MetricsQueryError;
}

/** Ready once an authenticated query answers: `/-/ready` needs the credentials too. */
function readyWith(auth: PrometheusAuth): (url: string) => Promise<boolean> {
  const clients = new Map<string, PrometheusClient>();
  return (url) => {
    const c = clients.get(url) ?? client(url, auth);
    clients.set(url, c);
    return c.query("vector(1)", Date.now()).then(
      () => true,
      () => false,
    );
  };
}

describe("Prometheus auth (real Prometheus, openssl certificates)", function () {
  this.timeout(60_000);
  const dir = tempDir("meshcanary-prom-auth-");
  const password = randomBytes(16).toString("hex");
  auditSecret(password, "not-the-password");
  let certs: TestCerts;
  const file = (name: string, content: string): string => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  before(() => {
    certs = makeTestCerts(dir);
  });

  describe("TLS and basic auth (web config, bcrypt password)", () => {
    let prom: PrometheusServer;
    let passwordFile: string;
    const basic = (path: string) => ({
      username: "meshcanary",
      password: new SecretFile(PASSWORD_FLAG, path),
    });
    const good = (): PrometheusAuth => ({
      basic: basic(passwordFile),
      tls: { ca: new SecretFile(CA_FLAG, certs.caCert), serverName: SERVER_NAME },
    });
    /** Prometheus reads its certificate for each handshake: a test may swap these. */
    const liveCert = () => join(dir, "live-server.crt");
    const liveKey = () => join(dir, "live-server.key");
    const serve = (cert: string, key: string) => {
      copyFileSync(cert, liveCert());
      copyFileSync(key, liveKey());
    };
    before(async () => {
      passwordFile = file("password", `${password}\n`);
      serve(certs.serverCert, certs.serverKey);
      prom = await startPrometheus({
        targets: [],
        webConfig: {
          tls_server_config: { cert_file: liveCert(), key_file: liveKey() },
          basic_auth_users: { meshcanary: bcrypt.hashSync(password, 4) },
        },
        isReady: readyWith(good()),
      });
    });
    after(() => prom.close());

    it("answers over https with the CA file, the server name and the password file", async () => {
      expect(prom.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
      await answers(client(prom.url, good()));
    });

    const failures: [string, () => PrometheusAuth, string, () => RegExp][] = [
      [
        "a wrong password",
        () => ({ ...good(), basic: basic(file("wrong-password", "not-the-password\n")) }),
        "unauthorized",
        () =>
          exact(
            `Prometheus query: ${prom.url} answered 401 Unauthorized: check --prometheus-username, ${PASSWORD_FLAG}`,
          ),
      ],
      [
        "no credentials at all",
        () => ({ tls: good().tls ?? {} }),
        "unauthorized",
        () =>
          exact(
            `Prometheus query: ${prom.url} answered 401 Unauthorized: no credentials were given: see --prometheus-bearer-token-file, --prometheus-username`,
          ),
      ],
      [
        "an unreadable password file",
        () => ({ ...good(), basic: basic(join(dir, "no-such-password")) }),
        "credentials",
        () =>
          exact(
            `Prometheus query: cannot read ${PASSWORD_FLAG} ${join(dir, "no-such-password")}: ENOENT (no such file)`,
          ),
      ],
      [
        "an unknown CA (TLS verification fails)",
        () => ({
          ...good(),
          tls: { ca: new SecretFile(CA_FLAG, certs.otherCaCert), serverName: SERVER_NAME },
        }),
        "tls",
        () =>
          new RegExp(
            `^Prometheus query: ${esc(prom.url)}: TLS: the server's certificate is not trusted \\([A-Z_]+\\): check ${CA_FLAG}$`,
          ),
      ],
      [
        "no CA file (Node's CAs do not know the private CA)",
        () => ({ ...good(), tls: { serverName: SERVER_NAME } }),
        "tls",
        () =>
          new RegExp(
            `^Prometheus query: ${esc(prom.url)}: TLS: the server's certificate is not trusted \\([A-Z_]+\\): check ${CA_FLAG}$`,
          ),
      ],
      [
        "a wrong server name",
        () => ({
          ...good(),
          tls: { ca: new SecretFile(CA_FLAG, certs.caCert), serverName: "grafana.test" },
        }),
        "tls",
        () =>
          exact(
            `Prometheus query: ${prom.url}: TLS: the server's certificate is not for the name checked (ERR_TLS_CERT_ALTNAME_INVALID): check --prometheus-server-name`,
          ),
      ],
      [
        "no server name (127.0.0.1 is not in the certificate)",
        () => ({ ...good(), tls: { ca: new SecretFile(CA_FLAG, certs.caCert) } }),
        "tls",
        () =>
          exact(
            `Prometheus query: ${prom.url}: TLS: the server's certificate is not for the name checked (ERR_TLS_CERT_ALTNAME_INVALID): check --prometheus-server-name`,
          ),
      ],
      [
        "a CA file that holds no certificate",
        () => ({
          ...good(),
          tls: {
            ca: new SecretFile(CA_FLAG, file("not-a-ca", "hello\n")),
            serverName: SERVER_NAME,
          },
        }),
        "credentials",
        () =>
          exact(`Prometheus query: ${CA_FLAG} ${join(dir, "not-a-ca")}: holds no PEM certificate`),
      ],
    ];
    for (const [what, auth, errorType, message] of failures) {
      it(`fails on ${what}, saying so without the password`, async () => {
        const error = await failure(client(prom.url, auth()));
        auditOutput(`error on ${what}`, error.message);
        expect(error.message).to.match(message());
        expect(error.errorType).to.equal(errorType);
        expect(error.exitCode).to.equal(3);
        expect(error.message).not.to.include(password);
        expect(error.message).not.to.include("not-the-password");
      });
    }

    it("fails on an expired server certificate, and the same client recovers once Prometheus serves a valid one", async () => {
      const c = client(prom.url, good());
      serve(certs.expiredServerCert, certs.expiredServerKey);
      try {
        const error = await failure(c);
        expect(error.message).to.equal(
          `Prometheus query: ${prom.url}: TLS: the server's certificate is not valid now (CERT_HAS_EXPIRED): check the server's certificate`,
        );
        expect(error.errorType).to.equal("tls");
      } finally {
        serve(certs.serverCert, certs.serverKey);
      }
      await answers(c);
    });

    it("recovers with the same client when the password Secret is rotated (..data swap)", async () => {
      const mount = secretMount(join(dir, "k8s-basic"), { password: "stale-password\n" });
      const c = client(prom.url, { ...good(), basic: basic(mount.path("password")) });
      expect((await failure(c)).errorType).to.equal("unauthorized");
      mount.update({ password: `${password}\n` });
      await answers(c);
    });

    it("recovers with the same client when the CA file is fixed (the TLS agent is rebuilt)", async () => {
      const caFile = join(dir, "rotating-ca.crt");
      copyFileSync(certs.otherCaCert, caFile);
      const c = client(prom.url, {
        ...good(),
        tls: { ca: new SecretFile(CA_FLAG, caFile), serverName: SERVER_NAME },
      });
      expect((await failure(c)).errorType).to.equal("tls");
      copyFileSync(certs.caCert, caFile);
      await answers(c);
    });
  });

  describe("mTLS (client_auth_type: RequireAndVerifyClientCert)", () => {
    let prom: PrometheusServer;
    const tls = (cert?: string, key?: string) => ({
      ca: new SecretFile(CA_FLAG, certs.caCert),
      serverName: SERVER_NAME,
      ...(cert === undefined ? {} : { cert: new SecretFile("--prometheus-cert-file", cert) }),
      ...(key === undefined ? {} : { key: new SecretFile("--prometheus-key-file", key) }),
    });
    before(async () => {
      prom = await startPrometheus({
        targets: [],
        webConfig: {
          tls_server_config: {
            cert_file: certs.serverCert,
            key_file: certs.serverKey,
            client_auth_type: "RequireAndVerifyClientCert",
            client_ca_file: certs.caCert,
          },
        },
        isReady: readyWith({ tls: tls(certs.clientCert, certs.clientKey) }),
      });
    });
    after(() => prom.close());

    it("answers with the client certificate and key", async () => {
      await answers(client(prom.url, { tls: tls(certs.clientCert, certs.clientKey) }));
    });

    const refusedClient = () =>
      new RegExp(
        `^Prometheus query: ${esc(prom.url)}: TLS: the server refused the client certificate \\([A-Z0-9_/]+\\): check --prometheus-cert-file and --prometheus-key-file$`,
      );
    it("fails without a client certificate, naming the cert and key flags", async () => {
      const error = await failure(client(prom.url, { tls: tls() }));
      expect(error.message).to.match(refusedClient());
      expect(error.errorType).to.equal("tls");
    });

    it("fails with a client certificate from another CA, naming the cert and key flags", async () => {
      const error = await failure(
        client(prom.url, { tls: tls(certs.strangerCert, certs.strangerKey) }),
      );
      expect(error.message).to.match(refusedClient());
    });

    it("fails on a key that does not match the certificate, naming both files", async () => {
      const error = await failure(
        client(prom.url, { tls: tls(certs.clientCert, certs.strangerKey) }),
      );
      expect(error.message).to.equal(
        `Prometheus query: --prometheus-cert-file ${certs.clientCert} and --prometheus-key-file ${certs.strangerKey}: not a usable PEM certificate and key (ERR_OSSL_X509_KEY_VALUES_MISMATCH)`,
      );
    });

    it("recovers with the same client once the certificate and key files appear", async () => {
      const cert = join(dir, "late-client.crt");
      const key = join(dir, "late-client.key");
      const c = client(prom.url, { tls: tls(cert, key) });
      const error = await failure(c);
      expect(error.message).to.equal(
        `Prometheus query: cannot read --prometheus-cert-file ${cert}: ENOENT (no such file)`,
      );
      copyFileSync(certs.clientCert, cert);
      copyFileSync(certs.clientKey, key);
      await answers(c);
    });
  });

  describe("behind a proxy that checks a tenant header and a bearer token", () => {
    let prom: PrometheusServer;
    let proxy: AuthProxy;
    let token = "token-one";
    const apiKey = randomBytes(8).toString("hex");
    auditSecret("token-one", "token-two", "token-new", apiKey);
    before(async () => {
      prom = await startPrometheus({ targets: [] });
      proxy = await startAuthProxy(prom.url, {
        headers: { "x-scope-orgid": "tenant-a", "x-proxy-key": apiKey },
        token: () => token,
      });
    });
    after(async () => {
      await proxy.close();
      await prom.close();
    });
    const auth = (
      tokenPath: string,
      tenant = "tenant-a",
      keyPath = file("api-key", `${apiKey}\n`),
    ): PrometheusAuth => ({
      bearerToken: new SecretFile("--prometheus-bearer-token-file", tokenPath),
      headers: [{ name: "X-Scope-OrgID", value: tenant }],
      secretHeaders: [
        { name: "X-Proxy-Key", file: new SecretFile("--prometheus-header-file", keyPath) },
      ],
    });
    const CHECK = "check --prometheus-bearer-token-file, --prometheus-header-file X-Proxy-Key";

    it("answers with the token, the tenant header and the secret header", async () => {
      await answers(client(proxy.url, auth(file("token", "token-one\n"))));
    });

    const failures: [string, () => PrometheusAuth, number, string][] = [
      ["a wrong token", () => auth(file("bad-token", "token-two\n")), 401, "Unauthorized"],
      ["a wrong tenant", () => auth(file("token", "token-one\n"), "tenant-b"), 403, "Forbidden"],
      [
        "a wrong secret header",
        () => auth(file("token", "token-one\n"), "tenant-a", file("bad-key", "nope\n")),
        403,
        "Forbidden",
      ],
    ];
    for (const [what, make, status, text] of failures) {
      it(`fails on ${what} with ${status}, naming the flags and no secret`, async () => {
        const refusedBefore = proxy.refused.length;
        const error = await failure(client(proxy.url, make()));
        expect(error.message).to.equal(
          `Prometheus query: ${proxy.url} answered ${status} ${text}: ${CHECK}`,
        );
        expect(proxy.refused.slice(refusedBefore)).to.deep.equal([status]);
        for (const secret of ["token-one", "token-two", apiKey])
          expect(error.message).not.to.include(secret);
      });
    }

    it("says so when https:// is used against a plain HTTP endpoint", async () => {
      const url = proxy.url.replace(/^http:/, "https:");
      const error = await failure(client(url, auth(file("token", "token-one\n"))));
      expect(error.errorType).to.equal("tls");
      expect(error.message).to.match(
        new RegExp(
          `^Prometheus query: ${esc(url)}: TLS: handshake failed \\(EPROTO\\): is ${esc(url)} an https endpoint, and are the TLS flags right\\?$`,
        ),
      );
    });

    it("recovers with the same client when the token Secret is rotated (..data swap)", async () => {
      const mount = secretMount(join(dir, "k8s-token"), { token: "token-one\n" });
      const c = client(proxy.url, auth(mount.path("token")));
      await answers(c);
      token = "token-new";
      expect((await failure(c)).errorType).to.equal("unauthorized");
      mount.update({ token: "token-new\n" });
      await answers(c);
    });
  });
});

function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function exact(text: string): RegExp {
  return new RegExp(`^${esc(text)}$`);
}
