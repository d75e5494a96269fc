/** Which documents are rollouts, which are other tools' (skipped), and which look like ours (errors). */
import { expect } from "chai";
import { identify } from "../../src/spec/document-identity.js";

const DID_YOU_MEAN_API = "(did you mean meshcanary.dev/v1alpha1?)";
const DID_YOU_MEAN_KIND = "(did you mean Rollout?)";

describe("document identity", () => {
  it("a meshcanary.dev/v1alpha1 Rollout is a rollout", () => {
    expect(identify({ apiVersion: "meshcanary.dev/v1alpha1", kind: "Rollout" })).to.deep.equal({
      is: "rollout",
    });
  });

  const skipped: [string, unknown, string][] = [
    [
      "Argo Rollouts' own Rollout",
      { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout" },
      "another API group's document (apiVersion: argoproj.io/v1alpha1, kind: Rollout)",
    ],
    [
      "a Deployment",
      { apiVersion: "apps/v1", kind: "Deployment" },
      "another API group's document (apiVersion: apps/v1, kind: Deployment)",
    ],
    [
      "a core v1 ConfigMap",
      { apiVersion: "v1", kind: "ConfigMap" },
      "another API group's document (apiVersion: v1, kind: ConfigMap)",
    ],
    [
      "a Rollout of a group that merely has one",
      { apiVersion: "apps/v1", kind: "Rollout" },
      "another API group's document (apiVersion: apps/v1, kind: Rollout)",
    ],
    [
      "an Istio VirtualService",
      { apiVersion: "networking.istio.io/v1", kind: "VirtualService" },
      "another API group's document (apiVersion: networking.istio.io/v1, kind: VirtualService)",
    ],
    [
      "a values file",
      { replicas: 3, image: { tag: "v2" } },
      "no apiVersion and no kind (not a Kubernetes object)",
    ],
    [
      "another kind without apiVersion",
      { kind: "Role" },
      "not a meshcanary.dev document (no apiVersion, kind: Role)",
    ],
    ["a list", [1, 2], "a list, not a Kubernetes object"],
    ["a string", "text", "a string, not a Kubernetes object"],
    [
      "an apiVersion with a line break",
      { apiVersion: "x.io/v1\nkind: Rollout", kind: "Thing" },
      'another API group\'s document (apiVersion: "x.io/v1\\nkind: Rollout", kind: Thing)',
    ],
  ];
  for (const [what, data, reason] of skipped) {
    it(`skips ${what}`, () => {
      expect(identify(data)).to.deep.equal({ is: "other", reason });
    });
  }

  const lookAlikes: [string, unknown, string[], boolean][] = [
    [
      "kind: Rollout without apiVersion",
      { kind: "Rollout" },
      [`apiVersion: is required (did you mean apiVersion: meshcanary.dev/v1alpha1?)`],
      true,
    ],
    [
      "kind: Rollout with a group-less apiVersion",
      { apiVersion: "v1alpha1", kind: "Rollout" },
      [`apiVersion: unknown API version "v1alpha1" ${DID_YOU_MEAN_API}`],
      true,
    ],
    [
      "kind: Rollout with core v1",
      { apiVersion: "v1", kind: "Rollout" },
      [`apiVersion: unknown API version "v1" ${DID_YOU_MEAN_API}`],
      true,
    ],
    [
      "kind: Rollout with an apiVersion that is not a string",
      { apiVersion: 1, kind: "Rollout" },
      [`apiVersion: unknown API version 1 ${DID_YOU_MEAN_API}`],
      true,
    ],
    [
      "a misspelt group",
      { apiVersion: "meshcanry.dev/v1alpha1", kind: "Rollout" },
      [`apiVersion: unknown API version "meshcanry.dev/v1alpha1" ${DID_YOU_MEAN_API}`],
      true,
    ],
    [
      "a misspelt group, whatever the kind",
      { apiVersion: "meshcanary.io/v1alpha1", kind: "Secret" },
      [
        `apiVersion: unknown API version "meshcanary.io/v1alpha1" ${DID_YOU_MEAN_API}`,
        `kind: unknown kind "Secret" in meshcanary.dev ${DID_YOU_MEAN_KIND}`,
      ],
      false,
    ],
    [
      "the group without its domain",
      { apiVersion: "meshcanary/v1alpha1", kind: "Rollout" },
      [`apiVersion: unknown API version "meshcanary/v1alpha1" ${DID_YOU_MEAN_API}`],
      true,
    ],
    [
      "another version of meshcanary.dev",
      { apiVersion: "meshcanary.dev/v1", kind: "Rollout" },
      [`apiVersion: unknown API version "meshcanary.dev/v1" ${DID_YOU_MEAN_API}`],
      true,
    ],
    [
      "a meshcanary.dev document of an unknown kind",
      { apiVersion: "meshcanary.dev/v1alpha1", kind: "Canary" },
      [`kind: unknown kind "Canary" in meshcanary.dev ${DID_YOU_MEAN_KIND}`],
      false,
    ],
    [
      "a misspelt kind",
      { apiVersion: "meshcanary.dev/v1alpha1", kind: "rollout" },
      [`kind: unknown kind "rollout" in meshcanary.dev ${DID_YOU_MEAN_KIND}`],
      true,
    ],
    [
      "a meshcanary.dev document without kind",
      { apiVersion: "meshcanary.dev/v1alpha1" },
      ["kind: is required (did you mean kind: Rollout?)"],
      true,
    ],
    [
      "a misspelt kind without apiVersion",
      { kind: "Rolout" },
      [
        "apiVersion: is required (did you mean apiVersion: meshcanary.dev/v1alpha1?)",
        `kind: unknown kind "Rolout" in meshcanary.dev ${DID_YOU_MEAN_KIND}`,
      ],
      true,
    ],
  ];
  for (const [what, data, messages, rollout] of lookAlikes) {
    it(`refuses ${what}`, () => {
      const identity = identify(data);
      expect(identity.is).to.equal("look-alike");
      if (identity.is !== "look-alike") return;
      expect(identity.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).to.deep.equal(
        messages,
      );
      expect(identity.rollout).to.equal(rollout);
    });
  }
});
