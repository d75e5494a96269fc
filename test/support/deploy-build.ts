/**
 * deploy/ as a cluster would get it: built by `kubectl kustomize` (kustomize
 * 5, as Argo CD builds it), every object checked against its Kubernetes
 * schema (the kubernetes-models packages' validators, offline).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { parseAllDocuments } from "yaml";
import { findExecutable } from "./find-executable.js";
import { REPO_ROOT } from "./paths.js";

export const DEPLOY = join(REPO_ROOT, "deploy");

/** A built object; the fields tests read, the rest as parsed. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string } & Record<
    string,
    unknown
  >;
  readonly [field: string]: unknown;
}

/** `kubectl kustomize deploy/<dir>`, parsed; throws with kubectl's message when the build fails. */
export function kustomize(dir: string): KubeObject[] {
  return kustomizeBuild(join(DEPLOY, dir), `deploy/${dir}`);
}

/** `kubectl kustomize <absolute dir>`, parsed; `shown` names the directory in errors. */
export function kustomizeBuild(dir: string, shown = dir): KubeObject[] {
  const kubectl = findExecutable("kubectl");
  if (kubectl === undefined)
    throw new Error(`kubectl not found: building ${shown} needs kubectl kustomize`);
  const r = spawnSync(kubectl, ["kustomize", dir], {
    encoding: "utf8",
    timeout: 30_000,
  });
  if (r.status !== 0)
    throw new Error(`kubectl kustomize ${shown} failed: ${r.stderr || r.error?.message}`);
  return parseAllDocuments(r.stdout).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${shown}: ${doc.errors[0]?.message}`);
    return doc.toJS() as KubeObject;
  });
}

type Model = new (data: never) => { validate(): void };

/** Every kind deploy/ may hold, by `apiVersion/kind`, with its schema. */
const MODELS: Readonly<Record<string, Model>> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "argoproj.io/v1alpha1/Application": Application,
};

/** Schema problems of one object as `Kind/name: /path: message` lines; empty when valid. */
export function schemaProblems(object: KubeObject): string[] {
  const id = `${object.kind}/${object.metadata?.name}`;
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (Model === undefined) return [`${id}: no schema here for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (errors === undefined) return [`${id}: ${(error as Error).message}`];
    return errors.map((e) => `${id}: ${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
  }
}

/** The one object of `kind` (and `name`, when given); throws when there is not exactly one. */
export function only(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? `/${name}` : ""}, found ${found.length}`);
  return found[0] as KubeObject;
}
