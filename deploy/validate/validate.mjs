// Validates every object in deploy/kubernetes/*.yaml against the Kubernetes OpenAPI schema (kubernetes-models),
// checks what the schema cannot (probes on /health, scrape annotations, HPA and Service targets, the Indexed Job's
// --shard), and lints the Dockerfile. Exits non-zero with one line per problem.
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { validate as lintDockerfile } from "dockerfile-utils";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const folder = join(root, "deploy", "kubernetes");
const problems = [];
const objects = [];

for (const file of readdirSync(folder).filter(f => f.endsWith(".yaml")).sort()) {
  for (const doc of parseAllDocuments(readFileSync(join(folder, file), "utf8"))) {
    if (doc.errors.length) { problems.push(`${file}: ${doc.errors[0].message}`); continue; }
    const object = doc.toJS();
    if (!object) continue;
    if (object.kind === "Kustomization") { objects.push({ file, object }); continue; }
    const group = object.apiVersion;
    try {
      const models = await import(`kubernetes-models/${group}`);
      const Model = models[object.kind];
      if (!Model) throw new Error(`unknown kind ${object.kind} in ${group}`);
      new Model(object).validate();
    } catch (e) {
      problems.push(`${file}: ${object.kind} ${object.metadata?.name}: ${e.message.split("\n").slice(0, 6).join(" ")}`);
    }
    objects.push({ file, object });
  }
}

const find = (kind, name) => objects.find(o => o.object.kind === kind && (!name || o.object.metadata?.name === name));
const check = (ok, message) => { if (!ok) problems.push(message); };

const deployment = find("Deployment", "embedrt")?.object;
check(deployment, "deployment.yaml: no Deployment embedrt");
if (deployment) {
  const pod = deployment.spec.template;
  const server = pod.spec.containers.find(c => c.name === "embedrt");
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
    check(server?.[probe]?.httpGet?.path === "/health", `deployment.yaml: ${probe} must GET /health`);
  check(server?.args?.[0] === "serve", "deployment.yaml: the server container must run `embedrt serve`");
  const port = server?.ports?.find(p => p.name === "http")?.containerPort;
  check(server?.args?.includes(String(port)), `deployment.yaml: --port must be the container port ${port}`);
  const annotations = pod.metadata.annotations ?? {};
  check(annotations["prometheus.io/scrape"] === "true" && annotations["prometheus.io/path"] === "/metrics"
    && annotations["prometheus.io/port"] === String(port), "deployment.yaml: Prometheus scrape annotations must point at /metrics on the http port");
  check(pod.spec.initContainers?.some(c => c.args?.[0] === "download"), "deployment.yaml: an init container must fill the cache (embedrt download)");
  const labels = pod.metadata.labels;
  const service = find("Service", "embedrt")?.object;
  check(service && Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v), "service.yaml: selector must match the pod labels");
  check(service?.spec.ports.every(p => p.targetPort === "http"), "service.yaml: targetPort must be the named port http");
}
for (const { file, object } of objects.filter(o => o.object.kind === "HorizontalPodAutoscaler"))
  check(object.spec.scaleTargetRef.kind === "Deployment" && object.spec.scaleTargetRef.name === "embedrt", `${file}: must scale Deployment embedrt`);
const job = find("Job")?.object;
check(job?.spec.completionMode === "Indexed", "job-embed-shards.yaml: the Job must be Indexed");
const script = job?.spec.template.spec.containers[0].args.join(" ") ?? "";
check(script.includes("--shard \"$JOB_COMPLETION_INDEX/$SHARDS\""), "job-embed-shards.yaml: embed must take --shard INDEX/SHARDS");
const shards = job?.spec.template.spec.containers[0].env.find(e => e.name === "SHARDS")?.value;
check(String(job?.spec.completions) === shards, "job-embed-shards.yaml: SHARDS must equal completions");
const kustomization = find("Kustomization")?.object;
for (const resource of kustomization?.resources ?? [])
  check(objects.some(o => o.file === resource), `kustomization.yaml: ${resource} not found`);

const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
for (const d of lintDockerfile(dockerfile)) problems.push(`Dockerfile:${d.range.start.line + 1}: ${d.message}`);

for (const p of problems) console.error(p);
console.log(`${objects.length} objects in deploy/kubernetes, Dockerfile linted: ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
