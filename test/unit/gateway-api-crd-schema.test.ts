/**
 * Every golden HTTPRoute validates against the Gateway API's CRD schema
 * (v1.6.1, standard channel), vendored in schemas/vendor/gateway-api and read
 * here, apart from the compiler's own check: pinned and sticky rules, their
 * backendRef filters and cookie matches included.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { expect } from "chai";
import { parse } from "yaml";
import { listFiles } from "../support/files.js";
import { GOLDEN_CASES } from "../support/golden-cases.js";
import { FIXTURES, VENDORED_SCHEMAS } from "../support/paths.js";

describe("golden HTTPRoutes against the Gateway API's CRD schema", () => {
  // The CRD schema carries Kubernetes keywords (x-kubernetes-*) that plain JSON Schema does not know.
  const validate = new Ajv({ strict: false, allErrors: true, logger: false }).compile(
    JSON.parse(
      readFileSync(join(VENDORED_SCHEMAS, "gateway-api", "HTTPRoute.v1.schema.json"), "utf8"),
    ) as object,
  );
  const cases = GOLDEN_CASES.flatMap((name) => {
    const expected = join(FIXTURES, name, "expected");
    return listFiles(expected)
      .filter((p) => p.endsWith("httproute.yaml"))
      .map((path) => ({ path: join(expected, path), title: `${name}/${path}` }));
  });

  it("has golden HTTPRoutes with pinned and sticky rules to check", () => {
    const texts = cases.map((c) => readFileSync(c.path, "utf8"));
    expect(
      texts.some((t) => t.includes("-pinned") && t.includes("ResponseHeaderModifier")),
    ).to.equal(true);
    expect(texts.some((t) => t.includes("-unstick"))).to.equal(true);
  });

  for (const { path, title } of cases) {
    it(title, () => {
      const route = parse(readFileSync(path, "utf8")) as object;
      const ok = validate(route);
      expect(validate.errors ?? [], JSON.stringify(validate.errors)).to.deep.equal([]);
      expect(ok).to.equal(true);
    });
  }

  it("rejects a route that breaks the schema (the check can fail)", () => {
    const bad = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "r" },
      spec: {
        rules: [
          {
            backendRefs: [
              {
                name: "s",
                port: 80,
                filters: [
                  {
                    type: "ResponseHeaderModifier",
                    responseHeaderModifier: { add: [{ name: "Set Cookie", value: "x" }] },
                  },
                ],
              },
            ],
          },
        ],
      },
    };
    expect(validate(bad)).to.equal(false);
  });
});
