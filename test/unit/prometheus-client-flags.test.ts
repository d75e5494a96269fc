/** The Prometheus auth flags: on every command that queries Prometheus, and each bad combination refused naming the flag. */
import { expect } from "chai";
import { buildProgram, run } from "../../src/cli/program.js";
import { type PrometheusFlags, prometheusConnection } from "../../src/cli/prometheus-options.js";
import { UsageError } from "../../src/errors.js";

const HTTPS = "https://prometheus.test:9090";

describe("Prometheus auth flags", () => {
  const AUTH_FLAGS = [
    "--prometheus-bearer-token-file",
    "--prometheus-username",
    "--prometheus-password-file",
    "--prometheus-header",
    "--prometheus-header-file",
    "--prometheus-ca-file",
    "--prometheus-cert-file",
    "--prometheus-key-file",
    "--prometheus-server-name",
  ];
  for (const name of ["watch", "status", "backtest"]) {
    it(`are all on ${name}`, () => {
      const quiet = { out() {}, error() {}, note() {} };
      const command = buildProgram(() => quiet).commands.find((c) => c.name() === name);
      const longs = command?.options.map((o) => o.long) ?? [];
      for (const flag of AUTH_FLAGS) expect(longs).to.include(flag);
    });
  }

  it("builds token, basic auth, headers and TLS from the flags", () => {
    const { url, auth } = prometheusConnection({
      prometheus: HTTPS,
      prometheusUsername: "meshcanary",
      prometheusPasswordFile: "/run/secrets/password",
      prometheusHeader: ["X-Scope-OrgID=tenant-a", "X-Eq=a=b"],
      prometheusHeaderFile: ["X-Api-Key=/run/secrets/api-key"],
      prometheusCaFile: "/run/tls/ca.crt",
      prometheusCertFile: "/run/tls/tls.crt",
      prometheusKeyFile: "/run/tls/tls.key",
      prometheusServerName: "prometheus.test",
    });
    expect(url).to.equal(HTTPS);
    expect(auth.basic?.username).to.equal("meshcanary");
    expect(auth.basic?.password.path).to.equal("/run/secrets/password");
    expect(auth.headers).to.deep.equal([
      { name: "X-Scope-OrgID", value: "tenant-a" },
      { name: "X-Eq", value: "a=b" },
    ]);
    expect(auth.secretHeaders?.map((h) => [h.name, h.file.flag, h.file.path])).to.deep.equal([
      ["X-Api-Key", "--prometheus-header-file", "/run/secrets/api-key"],
    ]);
    expect(auth.tls?.ca?.path).to.equal("/run/tls/ca.crt");
    expect(auth.tls?.cert?.flag).to.equal("--prometheus-cert-file");
    expect(auth.tls?.key?.path).to.equal("/run/tls/tls.key");
    expect(auth.tls?.serverName).to.equal("prometheus.test");
    expect(auth.bearerToken).to.equal(undefined);
  });

  it("builds no auth from no flags", () => {
    expect(prometheusConnection({ prometheus: "http://p:9090" }).auth).to.deep.equal({});
  });

  const bad: [string, Omit<PrometheusFlags, "prometheus"> & { prometheus?: string }, string][] = [
    [
      "a username without a password file",
      { prometheusUsername: "u" },
      "--prometheus-username and --prometheus-password-file go together",
    ],
    [
      "a password file without a username",
      { prometheusPasswordFile: "/p" },
      "--prometheus-username and --prometheus-password-file go together",
    ],
    [
      "a certificate without a key",
      { prometheusCertFile: "/c" },
      "--prometheus-cert-file and --prometheus-key-file go together",
    ],
    [
      "a key without a certificate",
      { prometheusKeyFile: "/k" },
      "--prometheus-cert-file and --prometheus-key-file go together",
    ],
    [
      "a token and basic auth",
      { prometheusBearerTokenFile: "/t", prometheusUsername: "u", prometheusPasswordFile: "/p" },
      "--prometheus-bearer-token-file and --prometheus-username: choose one way to authenticate",
    ],
    [
      "a header without =",
      { prometheusHeader: ["X-Scope-OrgID"] },
      "--prometheus-header: expected NAME=VALUE, e.g. X-Scope-OrgID=tenant-a",
    ],
    [
      "a header with an empty name",
      { prometheusHeader: ["=v"] },
      "--prometheus-header: expected NAME=VALUE, e.g. X-Scope-OrgID=tenant-a",
    ],
    [
      "a header file without =",
      { prometheusHeaderFile: ["/path"] },
      "--prometheus-header-file: expected NAME=PATH, e.g. X-Scope-OrgID=tenant-a",
    ],
    [
      "a header written as `Name: value` (the value is not repeated)",
      { prometheusHeader: ["Authorization: Bearer leaked=="] },
      "--prometheus-header: expected NAME=VALUE with NAME a header name (letters, digits, - and _)",
    ],
    [
      "a header with an empty value",
      { prometheusHeader: ["X-A="] },
      "--prometheus-header X-A: the value is empty",
    ],
    [
      "a header value with a line break",
      { prometheusHeader: ["X-A=a\nb"] },
      "--prometheus-header X-A: the value holds a control character",
    ],
    [
      "a header given twice",
      { prometheusHeader: ["X-A=1"], prometheusHeaderFile: ["x-a=/f"] },
      "--prometheus-header-file x-a: header given twice",
    ],
    [
      "a Content-Type header",
      { prometheusHeader: ["Content-Type=text/plain"] },
      "--prometheus-header Content-Type: meshcanary sets this header itself",
    ],
    [
      "an Authorization header besides a token",
      { prometheusBearerTokenFile: "/t", prometheusHeader: ["Authorization=x"] },
      "--prometheus-header Authorization: meshcanary sets this header itself",
    ],
    [
      "a CA file with an http URL",
      { prometheus: "http://p:9090", prometheusCaFile: "/ca" },
      "--prometheus-ca-file needs an https:// --prometheus URL, not http://p:9090",
    ],
    [
      "a server name with an http URL",
      { prometheus: "http://p:9090", prometheusServerName: "p" },
      "--prometheus-server-name needs an https:// --prometheus URL, not http://p:9090",
    ],
  ];
  for (const [what, flags, message] of bad) {
    it(`refuses ${what}`, () => {
      const call = () => prometheusConnection({ prometheus: HTTPS, ...flags });
      expect(call).to.throw(UsageError, message);
      try {
        call();
      } catch (error) {
        expect((error as Error).message).to.equal(message);
        expect((error as UsageError).exitCode).to.equal(2);
      }
    });
  }

  it("makes a bad combination exit 2 before any query, naming the flag", async () => {
    const errors: string[] = [];
    const io = { out() {}, error: (line: string) => errors.push(line), note() {} };
    const code = await run(
      [
        "node",
        "meshcanary",
        "status",
        "x.yaml",
        "--prometheus",
        "http://127.0.0.1:1",
        "--prometheus-username",
        "u",
      ],
      () => io,
    );
    expect(code).to.equal(2);
    expect(errors).to.deep.equal([
      "meshcanary: --prometheus-username and --prometheus-password-file go together",
    ]);
  });
});
