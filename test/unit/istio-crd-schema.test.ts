/**
 * Every golden manifest also validates against Istio's own CRD schemas,
 * vendored in schemas/vendor/istio. The vendored files are read from the
 * repository only: a missing or changed file fails here, it never skips.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { expect } from "chai";
import { parse } from "yaml";
import { listFiles } from "../support/files.js";
import { GOLDEN_CASES } from "../support/golden-cases.js";
import { FIXTURES, VENDORED_SCHEMAS } from "../support/paths.js";

const SCHEMAS = {
  VirtualService: "VirtualService.v1.schema.json",
  DestinationRule: "DestinationRule.v1.schema.json",
} as const;

/** Read at collection time: a missing file throws, so mocha reports the suite as failed. */
function readSchema(folder: string, file: string): object {
  return JSON.parse(readFileSync(join(VENDORED_SCHEMAS, folder, file), "utf8")) as object;
}

/** `sha256  file` lines of a PROVENANCE.md. */
function provenanceDigests(folder: string): Map<string, string> {
  const text = readFileSync(join(VENDORED_SCHEMAS, folder, "PROVENANCE.md"), "utf8");
  return new Map(
    [...text.matchAll(/^([0-9a-f]{64}) {2}(\S+\.schema\.json)$/gm)].map((m) => [
      m[2] as string,
      m[1] as string,
    ]),
  );
}

describe("vendored CRD schemas", () => {
  for (const folder of ["istio", "gateway-api"]) {
    it(`${folder}: every schema file is named in PROVENANCE.md with its sha256, and compiles`, () => {
      const digests = provenanceDigests(folder);
      const files = listFiles(join(VENDORED_SCHEMAS, folder)).filter((f) =>
        f.endsWith(".schema.json"),
      );
      expect(files).to.have.length.greaterThan(1);
      expect([...digests.keys()].sort()).to.deep.equal(files);
      for (const file of files) {
        const bytes = readFileSync(join(VENDORED_SCHEMAS, folder, file));
        expect(createHash("sha256").update(bytes).digest("hex"), file).to.equal(digests.get(file));
        new Ajv({ strict: false, logger: false }).compile(readSchema(folder, file));
      }
    });
  }
});

describe("golden manifests against Istio's CRD schemas", () => {
  // Istio's schemas carry Kubernetes keywords (x-kubernetes-*, nullable) that plain JSON Schema does not know.
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  const validators = Object.fromEntries(
    Object.entries(SCHEMAS).map(([kind, file]) => [kind, ajv.compile(readSchema("istio", file))]),
  );

  const cases = GOLDEN_CASES.flatMap((name) => {
    const expected = join(FIXTURES, name, "expected");
    return listFiles(expected)
      .filter((p) => /(virtualservice|destinationrule)\.yaml$/.test(p))
      .map((path) => ({ name, path: join(expected, path), title: `${name}/${path}` }));
  });

  it("has golden manifests of both kinds to check", () => {
    expect(cases.filter((c) => c.path.endsWith("virtualservice.yaml"))).to.not.be.empty;
    expect(cases.filter((c) => c.path.endsWith("destinationrule.yaml"))).to.not.be.empty;
  });

  for (const { path, title } of cases) {
    it(title, () => {
      const manifest = parse(readFileSync(path, "utf8")) as {
        kind: keyof typeof SCHEMAS;
        spec: unknown;
      };
      const validate = validators[manifest.kind];
      expect(validate, manifest.kind).to.not.equal(undefined);
      // The CRD schema describes the object's spec under properties.spec.
      const ok = validate?.({ spec: manifest.spec });
      expect(validate?.errors ?? [], JSON.stringify(validate?.errors)).to.deep.equal([]);
      expect(ok).to.equal(true);
    });
  }

  it("rejects a manifest that breaks the schema (the check can fail)", () => {
    const validate = validators.VirtualService;
    expect(
      validate?.({ spec: { http: [{ route: [{ destination: { subset: "v1" }, weight: "5" }] }] } }),
    ).to.equal(false);
  });
});
