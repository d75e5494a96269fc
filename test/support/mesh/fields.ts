/**
 * Reading manifest fields with a clear message when one is missing or of the
 * wrong type, and refusing fields the simulator does not interpret: a test
 * must fail loudly rather than route as if such a field were not there.
 */

export type Obj = Readonly<Record<string, unknown>>;

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function obj(value: unknown, where: string): Obj {
  if (!isObj(value)) throw new Error(`${where}: expected a mapping`);
  return value;
}

export function optObj(value: unknown, where: string): Obj | undefined {
  return value === undefined ? undefined : obj(value, where);
}

export function list(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value;
}

export function str(value: unknown, where: string): string {
  if (typeof value !== "string") throw new Error(`${where}: expected a string`);
  return value;
}

export function num(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new Error(`${where}: expected a number`);
  return value;
}

export function labels(value: unknown, where: string): Record<string, string> {
  const o = optObj(value, where) ?? {};
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, str(v, `${where}.${k}`)]));
}

/** Throws on a key outside `known`: the simulator would silently misroute it. */
export function onlyKnown(value: Obj, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new Error(`${where}.${key}: not interpreted by the simulator`);
  }
}

/** `metadata.namespace` of a manifest, which the compiler always writes. */
export function namespaceOf(manifest: Obj, kind: string): string {
  return str(obj(manifest.metadata, `${kind}.metadata`).namespace, `${kind}.metadata.namespace`);
}
