import { expect } from "chai";
import { parse } from "yaml";
import { compileRollout, compileRollouts, rootKustomization } from "../../src/compile/compile.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec: Record<string, any>;
};

function manifests(doc = makeSpec(), options = {}): Record<string, Manifest> {
  const files = compileRollout(makeRollout(doc), options);
  return Object.fromEntries(
    files.map((f) => [f.path.split("/").pop(), parse(f.content) as Manifest]),
  );
}

function weights(vs: Manifest): Record<string, number> {
  const route = vs.spec.http[0].route as { destination: { subset: string }; weight: number }[];
  return Object.fromEntries(route.map((r) => [r.destination.subset, r.weight]));
}

describe("compile", () => {
  it("writes the three files of a rollout under <namespace>/<name>", () => {
    const files = compileRollout(makeRollout());
    expect(files.map((f) => f.path)).to.deep.equal([
      "recs/recommend/destinationrule.yaml",
      "recs/recommend/kustomization.yaml",
      "recs/recommend/virtualservice.yaml",
    ]);
  });

  const weightCases: [number, Record<string, number>][] = [
    [0, { v1: 100, v2: 0 }],
    [5, { v1: 95, v2: 5 }],
    [37, { v1: 63, v2: 37 }],
    [100, { v1: 0, v2: 100 }],
  ];
  for (const [canaryWeight, expected] of weightCases) {
    it(`splits the route ${expected.v1}/${expected.v2} at canaryWeight ${canaryWeight}`, () => {
      const vs = manifests(makeSpec({ spec: { traffic: { canaryWeight } } }))[
        "virtualservice.yaml"
      ] as Manifest;
      expect(weights(vs)).to.deep.equal(expected);
    });
  }

  it("routes everything to stable and declares only the stable subset without a canary", () => {
    const m = manifests(makeSpec({ spec: { canary: undefined, traffic: undefined } }));
    expect(weights(m["virtualservice.yaml"] as Manifest)).to.deep.equal({ v1: 100 });
    expect((m["destinationrule.yaml"] as Manifest).spec.subsets).to.deep.equal([
      { name: "v1", labels: { version: "v1" } },
    ]);
  });

  it("keeps the spec's match, timeout and retries on the first route and ends with a catch-all to stable", () => {
    const retries = { attempts: 2, perTryTimeout: "500ms", retryOn: "5xx,reset" };
    const vs = manifests(
      makeSpec({ spec: { route: { match: [{ uri: { prefix: "/a" } }], timeout: "3s", retries } } }),
    )["virtualservice.yaml"] as Manifest;
    const [first, last, ...rest] = vs.spec.http;
    expect(rest).to.be.empty;
    expect(first.match).to.deep.equal([{ uri: { prefix: "/a" } }]);
    expect(first.timeout).to.equal("3s");
    expect(first.retries).to.deep.equal(retries);
    expect(last.match).to.equal(undefined);
    expect(last.route).to.deep.equal([
      { destination: { host: "recommender", port: { number: 8080 }, subset: "v1" } },
    ]);
  });

  it("defaults hosts to the service host and gateways to mesh", () => {
    const vs = manifests()["virtualservice.yaml"] as Manifest;
    expect(vs.spec.hosts).to.deep.equal(["recommender"]);
    expect(vs.spec.gateways).to.deep.equal(["mesh"]);
  });

  it("leaves out destination.port when the service has no port", () => {
    const vs = manifests(makeSpec({ spec: { service: { host: "recommender" } } }))[
      "virtualservice.yaml"
    ] as Manifest;
    expect(vs.spec.http[0].route[0].destination).to.deep.equal({
      host: "recommender",
      subset: "v1",
    });
  });

  it("names both manifests after the rollout, marks them managed, and annotates the source path", () => {
    const m = manifests();
    for (const kind of ["virtualservice.yaml", "destinationrule.yaml"]) {
      expect((m[kind] as Manifest).metadata).to.deep.equal({
        name: "recommend",
        namespace: "recs",
        labels: { "app.kubernetes.io/managed-by": "meshcanary" },
        annotations: { "meshcanary.dev/source": "rollouts/recommend.yaml" },
      });
    }
  });

  it("uses networking.istio.io/v1 by default and v1beta1 on request", () => {
    expect((manifests()["virtualservice.yaml"] as Manifest).apiVersion).to.equal(
      "networking.istio.io/v1",
    );
    const beta = manifests(makeSpec(), { apiVersion: "networking.istio.io/v1beta1" });
    expect((beta["destinationrule.yaml"] as Manifest).apiVersion).to.equal(
      "networking.istio.io/v1beta1",
    );
  });

  it("orders keys apiVersion, kind, metadata, spec and does not depend on input key order", () => {
    const doc = makeSpec();
    const reversed = JSON.parse(JSON.stringify(doc), (_k, v) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).reverse())
        : v,
    );
    expect(Object.keys(reversed)[0]).to.equal("spec");
    const a = compileRollout(makeRollout(doc));
    const b = compileRollout(makeRollout(reversed));
    expect(b).to.deep.equal(a);
    const lines = (a[2]?.content ?? "").split("\n").filter((l) => /^\w/.test(l));
    expect(lines).to.deep.equal([
      "apiVersion: networking.istio.io/v1",
      "kind: VirtualService",
      "metadata:",
      "spec:",
    ]);
  });

  it("sorts the files of many rollouts by path and lists every directory in the root kustomization", () => {
    const rollouts = ["zeta", "alpha"].map((name) =>
      makeRollout(makeSpec({ metadata: { name }, spec: { service: { host: `${name}-svc` } } })),
    );
    const paths = compileRollouts(rollouts).map((f) => f.path);
    expect(paths).to.deep.equal([...paths].sort());
    expect(paths[0]).to.equal("recs/alpha/destinationrule.yaml");
    expect(parse(rootKustomization(["recs/zeta", "recs/alpha"]).content)).to.deep.equal({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: ["recs/alpha", "recs/zeta"],
    });
  });
});
