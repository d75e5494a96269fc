/**
 * Certificates made with `openssl` for TLS tests: a private CA, a server
 * certificate for `prometheus.test` only (no IP address, so a client that
 * dials 127.0.0.1 must be told the server name), a client certificate for
 * mTLS, and a second CA that signed nothing the server shows.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCerts {
  readonly dir: string;
  readonly caCert: string;
  /** Signed by the CA: `DNS:prometheus.test`, serverAuth. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Signed by the CA: `CN=meshcanary`, clientAuth. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed neither certificate. */
  readonly otherCaCert: string;
  /** A client certificate signed by the other CA. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  /** Like the server certificate, but valid only in January 2020. */
  readonly expiredServerCert: string;
  readonly expiredServerKey: string;
}

export const SERVER_NAME = "prometheus.test";

function openssl(dir: string, args: readonly string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** P-256 keys: made in milliseconds, unlike RSA. */
const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function makeCa(dir: string, name: string): void {
  openssl(dir, [
    "req",
    "-x509",
    ...NEW_KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=meshcanary test ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

function makeLeaf(dir: string, ca: string, name: string, cn: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    "req",
    ...NEW_KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${cn}`,
  ]);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

/** `openssl x509` (3.0) cannot backdate; `openssl ca` can, with a minimal database. */
function makeExpired(dir: string, name: string, extensions: string): void {
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  writeFileSync(join(dir, `${name}.ext`), extensions);
  writeFileSync(
    join(dir, "ca.cnf"),
    "[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n",
  );
  openssl(dir, [
    "req",
    ...NEW_KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${SERVER_NAME}`,
  ]);
  openssl(dir, [
    "ca",
    "-batch",
    "-config",
    "ca.cnf",
    "-cert",
    "ca.crt",
    "-keyfile",
    "ca.key",
    "-in",
    `${name}.csr`,
    "-out",
    `${name}.crt`,
    "-startdate",
    "20200101000000Z",
    "-enddate",
    "20200102000000Z",
    "-extfile",
    `${name}.ext`,
    "-notext",
  ]);
}

export function makeTestCerts(dir: string): TestCerts {
  makeCa(dir, "ca");
  makeCa(dir, "other-ca");
  makeLeaf(
    dir,
    "ca",
    "server",
    SERVER_NAME,
    `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`,
  );
  makeLeaf(dir, "ca", "client", "meshcanary", "extendedKeyUsage=clientAuth\n");
  makeLeaf(dir, "other-ca", "stranger", "meshcanary", "extendedKeyUsage=clientAuth\n");
  makeExpired(dir, "expired", `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`);
  const at = (file: string) => join(dir, file);
  return {
    dir,
    caCert: at("ca.crt"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    clientCert: at("client.crt"),
    clientKey: at("client.key"),
    otherCaCert: at("other-ca.crt"),
    strangerCert: at("stranger.crt"),
    strangerKey: at("stranger.key"),
    expiredServerCert: at("expired.crt"),
    expiredServerKey: at("expired.key"),
  };
}
