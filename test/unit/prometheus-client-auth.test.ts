/**
 * What the Prometheus client sends for each kind of credential, and what it
 * says when they fail, against a stand-in server that records requests and
 * answers as told (test/integration/prometheus-auth.test.ts: real Prometheus).
 */
import { writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { expect } from "chai";
import type { PrometheusAuth } from "../../src/prometheus/auth.js";
import { MetricsQueryError, PrometheusClient } from "../../src/prometheus/client.js";
import { SecretFile } from "../../src/secrets/secret-file.js";
import { tempDir } from "../support/files.js";
import { secretMount } from "../support/secret-mount.js";
import { json, type StandIn, startStandIn } from "../support/stand-in-server.js";

const EMPTY = { status: "success", data: { resultType: "vector", result: [] } };

describe("Prometheus client credentials (stand-in server)", () => {
  const dir = tempDir("meshcanary-auth-");
  let server: StandIn;
  let reply: (res: ServerResponse) => void = (res) => json(res, 200, EMPTY);
  before(async () => {
    server = await startStandIn((_req, res) => reply(res));
  });
  after(() => server.close());
  beforeEach(() => {
    reply = (res) => json(res, 200, EMPTY);
  });

  const secret = (name: string, content: string, flag = `--${name}`) => {
    writeFileSync(join(dir, name), content);
    return new SecretFile(flag, join(dir, name));
  };
  const client = (auth: PrometheusAuth) =>
    new PrometheusClient({ url: server.url, timeoutMs: 2000, auth });
  const failure = (c: PrometheusClient) =>
    c.query("up", 0).then(
      () => expect.fail("the query succeeded"),
      (e: unknown) => e as MetricsQueryError,
    );

  const sent: [string, () => PrometheusAuth, Record<string, string>][] = [
    [
      "a bearer token from its file",
      () => ({ bearerToken: secret("token", "tok-1\n", "--prometheus-bearer-token-file") }),
      { authorization: "Bearer tok-1" },
    ],
    [
      "basic auth with the password from its file",
      () => ({ basic: { username: "meshcanary", password: secret("password", "pa:ss\n") } }),
      { authorization: `Basic ${Buffer.from("meshcanary:pa:ss").toString("base64")}` },
    ],
    [
      "plain and secret headers",
      () => ({
        headers: [{ name: "X-Scope-OrgID", value: "tenant-a" }],
        secretHeaders: [{ name: "X-Api-Key", file: secret("api-key", "key-1\n") }],
      }),
      { "x-scope-orgid": "tenant-a", "x-api-key": "key-1" },
    ],
  ];
  for (const [what, auth, headers] of sent) {
    it(`sends ${what}`, async () => {
      await client(auth()).query("up", 0);
      const got = server.requests.at(-1)?.headers ?? {};
      for (const [name, value] of Object.entries(headers)) expect(got[name]).to.equal(value);
      expect(got["content-type"]).to.equal("application/x-www-form-urlencoded");
    });
  }

  it("sends no Authorization header without credentials", async () => {
    await client({}).query("up", 0);
    expect(server.requests.at(-1)?.headers.authorization).to.equal(undefined);
  });

  it("uses the rotated token from the next request on, with the same client", async () => {
    const mount = secretMount(join(dir, "k8s"), { token: "old-token" });
    const c = client({ bearerToken: new SecretFile("--t", mount.path("token")) });
    await c.query("up", 0);
    expect(server.requests.at(-1)?.headers.authorization).to.equal("Bearer old-token");
    mount.update({ token: "new-token" });
    await c.query("up", 0);
    expect(server.requests.at(-1)?.headers.authorization).to.equal("Bearer new-token");
  });

  const refused: [string, () => PrometheusAuth, number, string][] = [
    [
      "a token",
      () => ({ bearerToken: secret("tok", "wrong-token", "--prometheus-bearer-token-file") }),
      401,
      "401 Unauthorized: check --prometheus-bearer-token-file",
    ],
    [
      "a password",
      () => ({
        basic: {
          username: "u",
          password: secret("pw", "wrong-password", "--prometheus-password-file"),
        },
      }),
      401,
      "401 Unauthorized: check --prometheus-username, --prometheus-password-file",
    ],
    [
      "a secret header",
      () => ({
        secretHeaders: [
          { name: "X-Api-Key", file: secret("hk", "wrong-key", "--prometheus-header-file") },
        ],
      }),
      403,
      "403 Forbidden: check --prometheus-header-file X-Api-Key",
    ],
    [
      "no credentials",
      () => ({}),
      401,
      "401 Unauthorized: no credentials were given: see --prometheus-bearer-token-file, --prometheus-username",
    ],
  ];
  for (const [what, auth, status, hint] of refused) {
    it(`names the endpoint and the flag to check when ${what} is refused (${status})`, async () => {
      // A proxy that echoes the request in its error page must not leak it through us.
      reply = (res) => {
        const echoed = JSON.stringify(server.requests.at(-1)?.headers);
        json(res, status, { status: "error", errorType: "auth", error: echoed });
      };
      const error = await failure(client(auth()));
      expect(error).to.be.instanceOf(MetricsQueryError);
      expect(error.errorType).to.equal("unauthorized");
      expect(error.message).to.equal(`Prometheus query: ${server.url} answered ${hint}`);
    });
  }

  it("masks a secret that the server echoes in its error, in any form sent", async () => {
    reply = (res) =>
      json(res, 422, {
        status: "error",
        errorType: "bad_data",
        error: `saw ${JSON.stringify(server.requests.at(-1)?.headers)}`,
      });
    const auth = {
      basic: { username: "u", password: secret("echo-pw", "echoed-password") },
      secretHeaders: [{ name: "X-Key", file: secret("echo-key", "echoed-key") }],
    };
    const error = await failure(client(auth));
    expect(error.message).to.match(/^Prometheus query: bad_data: saw /);
    expect(error.message).to.include("***");
    for (const leak of [
      "echoed-password",
      "echoed-key",
      Buffer.from("u:echoed-password").toString("base64"),
    ])
      expect(error.message).not.to.include(leak);
    expect(error.cause).to.equal(undefined);
  });

  it("names the file when a secret cannot be read, sends nothing, and recovers once it is there", async () => {
    const path = join(dir, "late-token");
    const c = client({ bearerToken: new SecretFile("--prometheus-bearer-token-file", path) });
    const before = server.requests.length;
    const error = await failure(c);
    expect(error.errorType).to.equal("credentials");
    expect(error.message).to.equal(
      `Prometheus query: cannot read --prometheus-bearer-token-file ${path}: ENOENT (no such file)`,
    );
    expect(server.requests.length).to.equal(before);
    writeFileSync(path, "late\n");
    expect(await c.query("up", 0)).to.deep.equal([]);
    expect(server.requests.at(-1)?.headers.authorization).to.equal("Bearer late");
  });

  it("refuses a secret header file holding a line break, without its content", async () => {
    const file = secret("two-lines", "line-one\nline-two\n", "--prometheus-header-file");
    const error = await failure(client({ secretHeaders: [{ name: "X-Key", file }] }));
    expect(error.errorType).to.equal("credentials");
    expect(error.message).to.equal(
      `Prometheus query: --prometheus-header-file ${file.path}: the header value holds a control character`,
    );
  });
});
