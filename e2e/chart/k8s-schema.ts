// Strict validation of rendered Kubernetes objects, offline.
//
// The official JavaScript client (@kubernetes/client-node, pinned by scripts/k8s-models.sh) ships
// one model per definition of the Kubernetes API's published OpenAPI spec (v1.34.0 for the pinned
// release): each property's JSON name and type, and which properties are required. This module
// turns those models into JSON Schemas where every object refuses unknown properties (what
// `kubectl --validate=strict` does against a server) and validates objects with ajv.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The Kubernetes version the models come from (checked against the files' own header). */
export const KUBERNETES_VERSION = "v1.34.0";

/** apiVersion/kind → the model of its definition. Kinds the chart renders; others are refused. */
const KINDS: Record<string, string> = {
  "v1/ConfigMap": "V1ConfigMap",
  "v1/Pod": "V1Pod",
  "v1/Secret": "V1Secret",
  "v1/Service": "V1Service",
  "v1/ServiceAccount": "V1ServiceAccount",
  "apps/v1/Deployment": "V1Deployment",
  "networking.k8s.io/v1/NetworkPolicy": "V1NetworkPolicy",
  "policy/v1/PodDisruptionBudget": "V1PodDisruptionBudget",
};

/** resource.Quantity is a string or a number in the API; the client models it as a string. */
const QUANTITY_FIELDS: Record<string, string[]> = {
  V1ResourceRequirements: ["limits", "requests"],
  V1EmptyDirVolumeSource: ["sizeLimit"],
};

type Schema = Record<string, unknown>;

interface Attribute {
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

function modelsDir(): string {
  return execFileSync(join(root, "scripts/k8s-models.sh"), { encoding: "utf8" }).trim();
}

/** The attribute map of one model file (a JSON array in the generated code). */
function attributesOf(js: string, model: string): Attribute[] | undefined {
  const marker = `${model}.attributeTypeMap = `;
  const start = js.indexOf(marker);
  if (start < 0) return undefined;
  const open = start + marker.length;
  const end = js.indexOf("\n];", open);
  return JSON.parse(js.slice(open, end + 2)) as Attribute[];
}

/** Property names declared without `?` in the model's type declaration. */
function requiredOf(dts: string): string[] {
  return [...dts.matchAll(/^ {4}'([^']+)': /gm)].map((m) => m[1]!);
}

const quantity: Schema = { type: ["string", "number"] };

function typeSchema(type: string, format: string, models: Set<string>): Schema {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: "array", items: typeSchema(array[1]!, "", models) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: "object", additionalProperties: typeSchema(map[1]!, "", models) };
  switch (type) {
    case "string":
      return { type: "string" };
    case "boolean":
      return { type: "boolean" };
    case "number":
      return format === "int32" || format === "int64" ? { type: "integer" } : { type: "number" };
    case "Date":
    case "V1MicroTime": // a timestamp, serialized as a string
      return { type: "string" };
    case "IntOrString":
      return { type: ["integer", "string"] };
    case "any":
      return {};
    default:
      if (!models.has(type)) throw new Error(`k8s models: unknown type ${type}`);
      return { $ref: `#/definitions/${type}` };
  }
}

export interface K8sValidator {
  /** Problems of one object (empty when valid), each "path: message". */
  problems(object: unknown): string[];
}

/** Builds the strict validator from the cached models (fetched on first use). */
export function k8sValidator(): K8sValidator {
  const dir = modelsDir();
  const header = readFileSync(join(dir, "V1Pod.js"), "utf8");
  if (!header.includes(`OpenAPI spec version: ${KUBERNETES_VERSION}`))
    throw new Error(`k8s models in ${dir} are not from Kubernetes ${KUBERNETES_VERSION}`);
  const files = readdirSync(dir).filter((f) => f.endsWith(".js"));
  const models = new Set(files.map((f) => f.slice(0, -3)));
  const definitions: Record<string, Schema> = {};
  for (const model of models) {
    const js = readFileSync(join(dir, `${model}.js`), "utf8");
    const attributes = attributesOf(js, model);
    if (!attributes) continue; // enums and helpers
    const properties: Record<string, Schema> = {};
    for (const a of attributes) properties[a.baseName] = typeSchema(a.type, a.format, models);
    for (const field of QUANTITY_FIELDS[model] ?? [])
      properties[field] =
        (properties[field] as Schema).type === "object"
          ? { type: "object", additionalProperties: quantity }
          : quantity;
    const required = requiredOf(readFileSync(join(dir, `${model}.d.ts`), "utf8"));
    definitions[model] = {
      type: "object",
      additionalProperties: false,
      properties,
      ...(required.length > 0 ? { required } : {}),
    };
  }
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema({ $id: "k8s", definitions });
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (model: string) => {
    let v = compiled.get(model);
    if (!v) {
      v = ajv.compile({ $ref: `k8s#/definitions/${model}` });
      compiled.set(model, v);
    }
    return v;
  };
  return {
    problems(object) {
      const o = object as { apiVersion?: string; kind?: string };
      const model = KINDS[`${o.apiVersion}/${o.kind}`];
      if (!model) return [`${o.apiVersion}/${o.kind}: not a kind this check knows`];
      const validate = validatorFor(model);
      if (validate(object)) return [];
      return (validate.errors ?? []).map(describe);
    },
  };
}

function describe(e: ErrorObject): string {
  const extra =
    e.keyword === "additionalProperties"
      ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
      : "";
  return `${e.instancePath || "/"}: ${e.message}${extra}`;
}
