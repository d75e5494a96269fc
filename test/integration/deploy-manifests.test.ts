/**
 * deploy/ builds with kustomize 5 (`kubectl kustomize`), every object fits its
 * Kubernetes schema, and the watchdog gets nothing on the Kubernetes API: no
 * RBAC, no token, non-root and read-only, probes that a Prometheus or git
 * outage cannot fail into a restart.
 */
import { expect } from "chai";
import { processConsole } from "../../src/cli/console.js";
import { buildProgram } from "../../src/cli/program.js";
import { type KubeObject, kustomize, only, schemaProblems } from "../support/deploy-build.js";

interface Container {
  name: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: Record<string, unknown> } }[];
  envFrom?: unknown[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  image: string;
}

interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: {
    name: string;
    emptyDir?: object;
    secret?: { secretName: string; optional: boolean; defaultMode?: number };
  }[];
}

function podSpec(objects: readonly KubeObject[]): PodSpec {
  const deployment = only(objects, "Deployment") as unknown as {
    spec: { template: { spec: PodSpec } };
  };
  return deployment.spec.template.spec;
}

function container(objects: readonly KubeObject[]): Container {
  const containers = podSpec(objects).containers;
  expect(containers).to.have.length(1);
  return containers[0] as Container;
}

const RBAC_KINDS = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

describe("deploy/ (kustomize)", () => {
  const builds: Record<string, KubeObject[]> = {};
  before(function () {
    this.timeout(60_000);
    for (const dir of ["base", "overlays/example", "argocd"]) builds[dir] = kustomize(dir);
  });
  const built = (dir: string) => builds[dir] as KubeObject[];

  it("builds each kustomization into exactly the expected objects, none of them RBAC", () => {
    const kinds = (dir: string) => built(dir).map((o) => `${o.kind}/${o.metadata.name}`);
    const base = [
      "ServiceAccount/meshcanary",
      "ConfigMap/meshcanary-dashboard",
      "Service/meshcanary",
      "Deployment/meshcanary",
      "PrometheusRule/meshcanary",
      "ServiceMonitor/meshcanary",
      "NetworkPolicy/meshcanary",
    ];
    // The watchdog's ConfigMap carries a content hash so a change rolls the Deployment.
    expect(
      kinds("base").filter((k) => !/^ConfigMap\/meshcanary-[a-z0-9]{10}$/.test(k)),
    ).to.have.members(base);
    expect(kinds("base")).to.have.length(base.length + 1);
    expect(
      kinds("overlays/example").filter((k) => !k.startsWith("ConfigMap/meshcanary-")),
    ).to.have.members(["Namespace/meshcanary", ...base.filter((k) => !k.startsWith("ConfigMap/"))]);
    expect(kinds("argocd")).to.have.members([
      "Application/meshcanary",
      "Application/meshcanary-routes",
    ]);
    for (const objects of Object.values(builds))
      expect(objects.filter((o) => RBAC_KINDS.includes(o.kind))).to.deep.equal([]);
  });

  it("every object of every build fits its Kubernetes schema", () => {
    for (const [dir, objects] of Object.entries(builds)) {
      const problems = objects.flatMap(schemaProblems);
      expect(problems, `deploy/${dir}`).to.deep.equal([]);
    }
  });

  it("the schema check rejects a broken object and a kind it has no schema for", () => {
    const deployment = only(built("base"), "Deployment");
    const broken = {
      ...deployment,
      spec: { ...(deployment.spec as object), replicas: "one" },
    } as KubeObject;
    expect(schemaProblems(broken)).to.deep.equal([
      "Deployment/meshcanary: /spec/replicas: must be integer",
    ]);
    const rule = only(built("base"), "PrometheusRule");
    const noExpr = {
      ...rule,
      spec: { groups: [{ name: "g", rules: [{ alert: "A" }] }] },
    } as KubeObject;
    expect(schemaProblems(noExpr)).to.deep.equal([
      "PrometheusRule/meshcanary: /spec/groups/0/rules/0: must have required property expr",
    ]);
    expect(
      schemaProblems({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "x" },
      }),
    ).to.deep.equal(["Role/x: no schema here for rbac.authorization.k8s.io/v1 Role"]);
  });

  for (const dir of ["base", "overlays/example"]) {
    describe(dir, () => {
      it("mounts no service account token: the watchdog has no Kubernetes API access", () => {
        const account = only(built(dir), "ServiceAccount");
        expect(account.automountServiceAccountToken).to.equal(false);
        const pod = podSpec(built(dir));
        expect(pod.serviceAccountName).to.equal(account.metadata.name);
        expect(pod.automountServiceAccountToken).to.equal(false);
      });

      it("runs non-root, read-only, without privilege escalation or capabilities, under RuntimeDefault seccomp", () => {
        const pod = podSpec(built(dir));
        expect(pod.securityContext).to.include({ runAsNonRoot: true });
        expect(pod.securityContext.runAsUser).to.be.a("number").and.above(0);
        expect(pod.securityContext.seccompProfile).to.deep.equal({ type: "RuntimeDefault" });
        const security = container(built(dir)).securityContext;
        expect(security).to.deep.include({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
      });

      it("writes only to emptyDirs: the work directory and /tmp", () => {
        const pod = podSpec(built(dir));
        const c = container(built(dir));
        const emptyDirs = new Set(
          pod.volumes.filter((v) => v.emptyDir !== undefined).map((v) => v.name),
        );
        const writable = c.volumeMounts.filter((m) => m.readOnly !== true);
        expect(
          writable.every((m) => emptyDirs.has(m.name)),
          JSON.stringify(writable),
        ).to.equal(true);
        const workdir = c.args.find((a) => a.startsWith("--workdir="))?.slice("--workdir=".length);
        expect(workdir).to.be.a("string");
        expect(writable.map((m) => m.mountPath)).to.include("/tmp");
        expect(writable.some((m) => (workdir as string).startsWith(`${m.mountPath}/`))).to.equal(
          true,
        );
      });

      it("passes only flags that meshcanary watch has", () => {
        const watch = buildProgram(() => processConsole()).commands.find(
          (c) => c.name() === "watch",
        );
        const known = new Set(watch?.options.map((o) => o.long));
        const c = container(built(dir));
        expect(c.args[0]).to.equal("watch");
        const unknown = c.args.slice(1).filter((a) => !known.has(a.split("=")[0]));
        expect(unknown).to.deep.equal([]);
      });

      it("asks for resources and sets limits", () => {
        const { resources } = container(built(dir));
        expect(resources.requests).to.include.keys("cpu", "memory");
        expect(resources.limits).to.include.keys("memory");
      });

      it("probes liveness on /livez and readiness on /readyz of the --listen port", () => {
        const c = container(built(dir));
        expect(c.args).to.include("--listen=0.0.0.0:9464");
        expect(c.ports).to.deep.equal([
          { name: "http-metrics", containerPort: 9464, protocol: "TCP" },
        ]);
        expect(c.livenessProbe.httpGet).to.deep.equal({ path: "/livez", port: "http-metrics" });
        expect(c.startupProbe?.httpGet).to.deep.equal({ path: "/livez", port: "http-metrics" });
        expect(c.readinessProbe.httpGet).to.deep.equal({ path: "/readyz", port: "http-metrics" });
      });

      it("names its Secrets and never inlines one; credentials are files on read-only Secret mounts, none in env", () => {
        expect(built(dir).filter((o) => o.kind === "Secret")).to.deep.equal([]);
        const c = container(built(dir));
        const pod = podSpec(built(dir));
        // An env var is fixed at start (a rotated Secret would need a restart) and shows in `kubectl describe`.
        expect(c.env.filter((e) => e.valueFrom?.secretKeyRef !== undefined)).to.deep.equal([]);
        expect(
          c.env.map((e) => e.name).filter((n) => /TOKEN|PASSWORD|SECRET|GIT_SSH/.test(n)),
        ).to.deep.equal([]);
        expect(c.envFrom ?? []).to.not.deep.include({ secretRef: {} });
        const secrets = pod.volumes.filter((v) => v.secret !== undefined);
        expect(secrets.map((v) => [v.secret?.secretName, v.secret?.optional])).to.deep.equal([
          ["meshcanary-git", false],
          ["meshcanary-argocd", true],
        ]);
        for (const v of secrets) {
          // Root-owned files: group-readable for fsGroup 10001 (the watchdog's group), no one else.
          expect(v.secret?.defaultMode, v.name).to.equal(0o440);
          expect(
            c.volumeMounts.find((m) => m.name === v.name),
            v.name,
          ).to.deep.include({
            readOnly: true,
          });
        }
        expect(pod.securityContext).to.include({ runAsUser: 10001, fsGroup: 10001 });
        const secretMounts = c.volumeMounts.filter((m) => secrets.some((v) => v.name === m.name));
        const fileFlags = c.args.filter((a) => /^--[a-z-]+-file=/.test(a));
        expect(fileFlags).to.include.members([
          "--git-ssh-key-file=/etc/meshcanary/git/ssh-privatekey",
          "--git-known-hosts-file=/etc/meshcanary/git/known_hosts",
        ]);
        for (const flag of fileFlags) {
          const path = flag.slice(flag.indexOf("=") + 1);
          expect(
            secretMounts.some((m) => path.startsWith(`${m.mountPath}/`)),
            `${flag} is on a read-only Secret mount`,
          ).to.equal(true);
        }
        // Addresses come from the ConfigMap; none of them carries a credential.
        const config = built(dir).find(
          (o) =>
            o.kind === "ConfigMap" &&
            o.metadata.name.startsWith("meshcanary-") &&
            o.metadata.name !== "meshcanary-dashboard",
        ) as KubeObject & { data: Record<string, string> };
        for (const value of Object.values(config.data))
          expect(value).to.not.match(/:\/\/[^/@]*:[^/@]*@/);
      });

      it("exposes /metrics through the Service and ServiceMonitor, and lets only monitoring in", () => {
        const objects = built(dir);
        const podLabels = (
          only(objects, "Deployment") as unknown as {
            spec: { template: { metadata: { labels: Record<string, string> } } };
          }
        ).spec.template.metadata.labels;
        const service = only(objects, "Service") as unknown as {
          metadata: { labels: Record<string, string> };
          spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
        };
        expect(podLabels).to.include(service.spec.selector);
        expect(service.spec.ports.map((p) => [p.name, p.targetPort])).to.deep.equal([
          ["http-metrics", "http-metrics"],
        ]);
        const monitor = only(objects, "ServiceMonitor") as unknown as {
          spec: {
            selector: { matchLabels: Record<string, string> };
            endpoints: { port: string; path: string }[];
            jobLabel: string;
          };
        };
        expect(service.metadata.labels).to.include(monitor.spec.selector.matchLabels);
        expect(service.metadata.labels[monitor.spec.jobLabel]).to.equal("meshcanary");
        expect(monitor.spec.endpoints).to.deep.equal([
          { port: "http-metrics", path: "/metrics", interval: "30s" },
        ]);
        const policy = only(objects, "NetworkPolicy") as unknown as {
          spec: {
            podSelector: { matchLabels: Record<string, string> };
            policyTypes: string[];
            ingress: { ports: { port: string }[] }[];
          };
        };
        expect(podLabels).to.include(policy.spec.podSelector.matchLabels);
        expect(policy.spec.policyTypes).to.have.members(["Ingress", "Egress"]);
        expect(policy.spec.ingress.flatMap((i) => i.ports.map((p) => p.port))).to.deep.equal([
          "http-metrics",
        ]);
      });
    });
  }

  it("the example overlay puts everything in its namespace, with its image, the Argo CD sync and egress to the git host only", () => {
    const objects = built("overlays/example");
    for (const o of objects.filter((o) => o.kind !== "Namespace"))
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).to.equal("meshcanary");
    const c = container(objects);
    expect(c.image).to.equal("registry.example.com/platform/meshcanary:0.1.0");
    expect(c.args).to.include.members([
      "--argocd-url=https://argocd-server.argocd.svc",
      "--argocd-app=meshcanary-routes",
      "--argocd-token-file=/etc/meshcanary/argocd/token",
    ]);
    const egress = (
      only(objects, "NetworkPolicy") as unknown as {
        spec: { egress: { to: { ipBlock?: { cidr: string } }[] }[] };
      }
    ).spec.egress.flatMap((rule) => rule.to.flatMap((peer) => peer.ipBlock?.cidr ?? []));
    expect(egress, "only the git host's addresses").to.deep.equal(["203.0.113.0/24"]);
    expect(only(objects, "Namespace").metadata.labels).to.deep.include({
      "pod-security.kubernetes.io/enforce": "restricted",
    });
  });

  it("one Argo CD Application deploys meshcanary, the other the routes it compiles and --argocd-app names", () => {
    const apps = built("argocd") as (KubeObject & {
      spec: { source: { path: string }; destination: { server: string } };
    })[];
    for (const app of apps) expect(app.metadata.namespace).to.equal("argocd");
    expect(apps.map((a) => [a.metadata.name, a.spec.source.path])).to.have.deep.members([
      ["meshcanary", "deploy/overlays/example"],
      ["meshcanary-routes", "manifests"],
    ]);
  });

  it("ships the Grafana dashboard as a ConfigMap for Grafana's sidecar", () => {
    const map = only(built("base"), "ConfigMap", "meshcanary-dashboard") as KubeObject & {
      data: Record<string, string>;
    };
    expect(map.metadata.labels).to.deep.include({ grafana_dashboard: "1" });
    const dashboard = JSON.parse(map.data["meshcanary.json"] as string) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.uid).to.equal("meshcanary");
    expect(dashboard.panels.map((p) => p.title)).to.include.members([
      "Decisions",
      "Canary weight",
      "Check results",
      "Cycle duration",
      "Prometheus query time",
    ]);
  });
});
