/**
 * JSON Schema validation of one rollout document (schemas/rollout.schema.json)
 * with ajv, turning each ajv error into a message that names the field and
 * says what was expected, in words.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { readPackageJson } from "../package-files.js";
import { type FormatName, STRING_FORMATS } from "./formats.js";
import { suggest } from "./suggest.js";
import { formatPath, type PathSegment, parsePointer } from "./yaml-source.js";

/** A problem found in a document, before it is given a file position. */
export interface SpecIssue {
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** Point at the field's key (unknown fields) rather than its value. */
  readonly at?: "key" | "value";
}

export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  for (const [name, format] of Object.entries(STRING_FORMATS)) {
    ajv.addFormat(name, { type: "string", validate: format.validate });
  }
  return ajv;
}

let rolloutValidator: ValidateFunction | undefined;

function validator(): ValidateFunction {
  rolloutValidator ??= createAjv().compile(
    readPackageJson<object>("schemas", "rollout.schema.json"),
  );
  return rolloutValidator;
}

export function checkSchema(data: unknown): SpecIssue[] {
  return checkWith(validator(), data);
}

export function checkWith(validate: ValidateFunction, data: unknown): SpecIssue[] {
  if (validate(data)) return [];
  const issues: SpecIssue[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const issue = toIssue(error, data);
    if (issue === undefined) continue;
    const key = `${formatPath(issue.path)}\0${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

const TYPE_WORDS: Record<string, string> = {
  integer: "an integer",
  number: "a number",
  string: "a string",
  object: "a mapping",
  array: "a list",
  boolean: "true or false",
  null: "null",
};

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(truncate(value))}`;
  return String(value);
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function toIssue(error: ErrorObject, data: unknown): SpecIssue | undefined {
  const path = parsePointer(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  const parentSchema = (error.parentSchema ?? {}) as { properties?: Record<string, unknown> };
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      const hint = suggest(field, Object.keys(parentSchema.properties ?? {}));
      return {
        path: [...path, field],
        message: hint === undefined ? "unknown field" : `unknown field (did you mean ${hint}?)`,
        at: "key",
      };
    }
    case "required":
      return { path: [...path, String(params.missingProperty)], message: "is required" };
    case "type": {
      const expected = String(params.type)
        .split(",")
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(" or ");
      return { path, message: `must be ${expected}, not ${describe(error.data)}` };
    }
    case "enum":
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map(String).join(", ")}, not ${describe(error.data)}`,
      };
    case "const":
      return {
        path,
        message: `must be ${String(params.allowedValue)}, not ${describe(error.data)}`,
      };
    case "format": {
      const format = STRING_FORMATS[params.format as FormatName];
      const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
      const subject = propertyName ?? String(error.data);
      const message =
        typeof format.message === "function" ? format.message(subject) : format.message;
      return propertyName === undefined
        ? { path, message }
        : { path: [...path, propertyName], message: `key ${message}`, at: "key" };
    }
    case "propertyNames":
      // Reported through the inner `format` error, which names the key.
      return undefined;
    case "minimum":
      return { path, message: `must be at least ${String(params.limit)}` };
    case "maximum":
      return { path, message: `must be at most ${String(params.limit)}` };
    case "exclusiveMinimum":
      return { path, message: `must be greater than ${String(params.limit)}` };
    case "exclusiveMaximum":
      return { path, message: `must be less than ${String(params.limit)}` };
    case "minItems":
      return {
        path,
        message:
          params.limit === 1
            ? "must not be empty"
            : `must have at least ${String(params.limit)} items`,
      };
    case "minLength":
      return { path, message: "must not be empty" };
    case "maxLength":
      return { path, message: `must be at most ${String(params.limit)} characters` };
    case "minProperties":
    case "maxProperties": {
      const schema = parentSchema as {
        maxProperties?: number;
        properties?: Record<string, unknown>;
      };
      // {minProperties: 1, maxProperties: 1} is how the schema says "one of these keys".
      if (schema.maxProperties === 1) {
        return {
          path,
          message: `must have exactly one of ${Object.keys(schema.properties ?? {}).join(", ")}`,
        };
      }
      return { path, message: "must not be empty" };
    }
    default:
      return { path, message: error.message ?? "is invalid" };
  }
}
