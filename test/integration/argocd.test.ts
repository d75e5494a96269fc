/**
 * The Argo CD sync call's credentials against a stand-in (Argo CD itself
 * cannot run here): a loopback server that answers the sync endpoint only
 * for the right bearer token, as Argo CD's API server does (401 otherwise),
 * over http or https with a certificate made by openssl.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import { argoCdFromFlags } from "../../src/cli/argocd-options.js";
import type { ArgoCdSync } from "../../src/watchdog/argocd.js";
import { startWatchdog } from "../../src/watchdog/watchdog.js";
import { tempDir } from "../support/files.js";
import { fastSpec } from "../support/rollout-repo.js";
import { secretMount } from "../support/secret-mount.js";
import { auditSecret } from "../support/secrets-audit.js";
import { json, type StandIn, startStandIn } from "../support/stand-in-server.js";
import { makeTestCerts, SERVER_NAME, type TestCerts } from "../support/tls-certs.js";
import {
  decisionSubjects,
  type Harness,
  startHarness,
  waitFor,
} from "../support/watchdog-harness.js";

const RIGHT = "argocd-right-token-5f1e";
const WRONG = "argocd-stale-token-9c2d";
auditSecret(RIGHT, WRONG);
const APP = "recs-routes";

/** Argo CD's answer to a bad token: 401 with a gRPC-gateway error body. */
function argoCdStandIn(token: () => string): Promise<StandIn> {
  return startStandIn((req, res) => {
    if (req.method !== "POST" || req.url !== `/api/v1/applications/${APP}/sync`)
      return json(res, 404, { error: "Not Found", code: 5 });
    if (req.headers.authorization !== `Bearer ${token()}`)
      return json(res, 401, { error: "invalid session: token signature is invalid", code: 16 });
    json(res, 200, { metadata: { name: APP } });
  });
}

async function failure(sync: ArgoCdSync): Promise<string> {
  try {
    await sync();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the sync to fail");
}

describe("Argo CD sync credentials (stand-in Argo CD)", function () {
  this.timeout(60_000);
  const dir = tempDir("meshcanary-argocd-");
  let argocd: StandIn;
  before(async () => {
    argocd = await argoCdStandIn(() => RIGHT);
  });
  after(() => argocd.close());

  it("sends the token from --argocd-token-file", async () => {
    const mount = secretMount(join(dir, "k8s-1"), { token: `${RIGHT}\n` });
    const sync = argoCdFromFlags(
      { argocdUrl: argocd.url, argocdApp: APP, argocdTokenFile: mount.path("token") },
      {},
    );
    await sync?.();
    expect(argocd.requests.at(-1)?.headers.authorization).to.equal(`Bearer ${RIGHT}`);
    expect(argocd.requests.at(-1)?.body).to.equal('{"prune":false}');
  });

  it("says a wrong token was refused, naming the endpoint and the file, never the token; a rotated file works at the next sync", async () => {
    const mount = secretMount(join(dir, "k8s-2"), { token: `${WRONG}\n` });
    const sync = argoCdFromFlags(
      { argocdUrl: argocd.url, argocdApp: APP, argocdTokenFile: mount.path("token") },
      {},
    ) as ArgoCdSync;
    const message = await failure(sync);
    expect(message).to.equal(
      `Argo CD sync of ${APP} at ${argocd.url}: HTTP 401 Unauthorized: the token was refused; check --argocd-token-file ${mount.path("token")}`,
    );
    expect(message).to.not.contain(WRONG);
    mount.update({ token: RIGHT });
    await sync();
    expect(argocd.requests.at(-1)?.headers.authorization).to.equal(`Bearer ${RIGHT}`);
  });

  it("names an unreadable or empty token file, and recovers once it is there", async () => {
    const path = join(dir, "missing", "token");
    const sync = argoCdFromFlags(
      { argocdUrl: argocd.url, argocdApp: APP, argocdTokenFile: path },
      {},
    ) as ArgoCdSync;
    expect(await failure(sync)).to.equal(
      `Argo CD sync of ${APP} at ${argocd.url}: cannot read --argocd-token-file ${path}: ENOENT (no such file)`,
    );
    const mount = secretMount(join(dir, "missing"), { token: "" });
    expect(await failure(sync)).to.equal(
      `Argo CD sync of ${APP} at ${argocd.url}: --argocd-token-file ${path}: file is empty`,
    );
    mount.update({ token: RIGHT });
    await sync();
    expect(argocd.requests.at(-1)?.headers.authorization).to.equal(`Bearer ${RIGHT}`);
  });

  it("still takes $ARGOCD_AUTH_TOKEN, and says where to look when it is wrong", async () => {
    await argoCdFromFlags(
      { argocdUrl: argocd.url, argocdApp: APP },
      { ARGOCD_AUTH_TOKEN: RIGHT },
    )?.();
    expect(argocd.requests.at(-1)?.headers.authorization).to.equal(`Bearer ${RIGHT}`);
    const wrong = argoCdFromFlags(
      { argocdUrl: argocd.url, argocdApp: APP },
      { ARGOCD_AUTH_TOKEN: WRONG },
    ) as ArgoCdSync;
    const message = await failure(wrong);
    expect(message).to.equal(
      `Argo CD sync of ${APP} at ${argocd.url}: HTTP 401 Unauthorized: the token was refused; check $ARGOCD_AUTH_TOKEN`,
    );
  });

  it("says no token is set when Argo CD wants one", async () => {
    const none = argoCdFromFlags({ argocdUrl: argocd.url, argocdApp: APP }, {}) as ArgoCdSync;
    expect(await failure(none)).to.equal(
      `Argo CD sync of ${APP} at ${argocd.url}: HTTP 401 Unauthorized: the token was refused; no token is set (--argocd-token-file or $ARGOCD_AUTH_TOKEN)`,
    );
  });

  describe("over https", () => {
    let certs: TestCerts;
    let server: Server;
    let url: string;
    before(async () => {
      certs = makeTestCerts(tempDir("meshcanary-argocd-tls-"));
      server = createServer(
        { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) },
        (req, res) => {
          req.resume();
          req.on("end", () => {
            const ok = req.headers.authorization === `Bearer ${RIGHT}`;
            res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end("{}");
          });
        },
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    const sync = (ca: string, serverName?: string) =>
      argoCdFromFlags(
        {
          argocdUrl: url,
          argocdApp: APP,
          argocdCaFile: ca,
          ...(serverName === undefined ? {} : { argocdServerName: serverName }),
        },
        { ARGOCD_AUTH_TOKEN: RIGHT },
      ) as ArgoCdSync;

    it("trusts Argo CD's certificate through --argocd-ca-file and --argocd-server-name", async () => {
      await sync(certs.caCert, SERVER_NAME)();
    });

    const failures: [string, () => [string, string | undefined], RegExp][] = [
      [
        "a CA that did not sign the certificate",
        () => [certs.otherCaCert, SERVER_NAME],
        /: request failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\): the certificate is not trusted or not valid now; check --argocd-ca-file$/,
      ],
      [
        "a certificate for another name",
        () => [certs.caCert, undefined],
        /: request failed \(ERR_TLS_CERT_ALTNAME_INVALID\): the certificate is not for this name; check --argocd-server-name$/,
      ],
      [
        "a CA file that holds no certificate",
        () => [certs.serverKey, SERVER_NAME],
        /: --argocd-ca-file \S+server\.key: holds no PEM certificate$/,
      ],
    ];
    for (const [what, args, message] of failures)
      it(`says which flag to check: ${what}`, async () => {
        const [ca, name] = args();
        const text = await failure(sync(ca, name));
        expect(text).to.match(
          new RegExp(`^Argo CD sync of ${APP} at https://127\\.0\\.0\\.1:\\d+`),
        );
        expect(text).to.match(message);
        expect(text).to.not.contain(RIGHT);
      });
  });

  describe("in the watchdog loop (real Prometheus and git)", () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it("logs a refused sync without the token, keeps deciding, and syncs once the Secret is fixed", async () => {
      h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 2 } }) });
      const mount = secretMount(join(dir, "k8s-loop"), { token: `${WRONG}\n` });
      const before = argocd.requests.length;
      const controller = new AbortController();
      const watchdog = startWatchdog({
        ...(await h.deps({
          argocd: argoCdFromFlags(
            { argocdUrl: argocd.url, argocdApp: APP, argocdTokenFile: mount.path("token") },
            {},
          ) as ArgoCdSync,
        })),
        loopIntervalMs: 1000,
        signal: controller.signal,
      });
      try {
        const refused = await waitFor("a refused sync logged", () =>
          h?.logs.find((l) => l.includes("Argo CD sync request failed")),
        );
        expect(JSON.parse(refused)).to.include({
          level: "warn",
          msg: "Argo CD sync request failed; Argo CD will pick the commit up at its next poll",
          error: `Argo CD sync of ${APP} at ${argocd.url}: HTTP 401 Unauthorized: the token was refused; check --argocd-token-file ${mount.path("token")}`,
        });
        expect(decisionSubjects(h)[0]).to.equal("advance recs/recommend: 20% → 50%");
        mount.update({ token: RIGHT });
        await waitFor(
          "a sync with the rotated token after the next decision",
          () =>
            argocd.requests
              .slice(before)
              .some((r) => r.headers.authorization === `Bearer ${RIGHT}`),
          40_000,
        );
        expect(decisionSubjects(h).length).to.be.greaterThan(1);
      } finally {
        controller.abort();
        expect(await watchdog.done).to.equal(0);
      }
      expect(h.logs.join("\n")).to.not.contain(WRONG).and.not.contain(RIGHT);
    });
  });
});
