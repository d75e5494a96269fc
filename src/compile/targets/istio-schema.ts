/**
 * Validates generated manifests against Istio's schema as packaged by
 * @kubernetes-models/istio. It ships v1beta1 only; Istio's v1 schema is the
 * same, so a v1 manifest is checked as its v1beta1 twin.
 */
import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule";
import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService";

interface Manifest {
  readonly kind: string;
  readonly metadata: object;
  readonly spec: object;
}

/** Problems as `path: message` lines; empty when valid. */
export function istioSchemaProblems(manifest: Manifest): string[] {
  const init = { metadata: manifest.metadata, spec: manifest.spec } as never;
  const model =
    manifest.kind === "VirtualService" ? new VirtualService(init) : new DestinationRule(init);
  try {
    model.validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (errors === undefined) return [(error as Error).message];
    return errors.map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
  }
}
