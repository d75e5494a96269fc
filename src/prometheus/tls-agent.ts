/**
 * The `https.Agent` that carries the TLS options: CA, client certificate and
 * key, server name. The files are read for each request and the agent is
 * built again only when their bytes change, so a rotated certificate is used
 * from the next request on while connections are reused otherwise.
 */
import { Agent } from "node:https";
import { createSecureContext } from "node:tls";
import { SecretFileError } from "../secrets/secret-file.js";
import type { PrometheusTls } from "./auth.js";

export class TlsAgent {
  readonly #tls: PrometheusTls;
  #current: { readonly files: readonly (Buffer | undefined)[]; readonly agent: Agent } | undefined;

  constructor(tls: PrometheusTls) {
    this.#tls = tls;
  }

  /** The agent for the files as they are now; throws SecretFileError naming a bad file. */
  async agent(): Promise<Agent> {
    const { ca, cert, key, serverName } = this.#tls;
    // One after another, so a missing file is named in a fixed order (CA, certificate, key),
    // not by whichever read failed first.
    const files: (Buffer | undefined)[] = [];
    for (const file of [ca, cert, key]) files.push(await file?.readBytes());
    const current = this.#current;
    if (current !== undefined && sameFiles(current.files, files)) return current.agent;
    const [caBytes, certBytes, keyBytes] = files;
    if (ca !== undefined && !caBytes?.includes("-----BEGIN CERTIFICATE-----"))
      throw new SecretFileError(
        `${ca.flag} ${ca.path}: holds no PEM certificate`,
        ca.flag,
        ca.path,
      );
    const options = {
      ...(caBytes === undefined ? {} : { ca: caBytes }),
      ...(certBytes === undefined ? {} : { cert: certBytes }),
      ...(keyBytes === undefined ? {} : { key: keyBytes }),
      ...(serverName === undefined ? {} : { servername: serverName }),
    };
    try {
      // The agent would fail the same way at connect time, naming no file.
      createSecureContext(options);
    } catch (error) {
      const flags = [cert, key].filter((f) => f !== undefined);
      const named = flags.map((f) => `${f.flag} ${f.path}`).join(" and ");
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      throw new SecretFileError(
        `${named}: not a usable PEM certificate and key (${code})`,
        flags[0]?.flag ?? "--prometheus-cert-file",
        flags[0]?.path ?? "",
        { cause: error },
      );
    }
    current?.agent.destroy();
    const agent = new Agent({ ...options, keepAlive: true });
    this.#current = { files, agent };
    return agent;
  }

  /** Closes the kept-alive connections. */
  destroy(): void {
    this.#current?.agent.destroy();
    this.#current = undefined;
  }
}

function sameFiles(
  a: readonly (Buffer | undefined)[],
  b: readonly (Buffer | undefined)[],
): boolean {
  return a.every((x, i) => {
    const y = b[i];
    return x === undefined || y === undefined ? x === y : x.equals(y);
  });
}
