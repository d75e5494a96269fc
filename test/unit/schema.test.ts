/** The rollout schema is documentation too: every field explains itself to editors. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../support/paths.js";

type Schema = {
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  $ref?: string;
};

function undocumented(schema: Schema, path: string, out: string[]): string[] {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const at = path === "" ? name : `${path}.${name}`;
    if (child.description === undefined && child.$ref === undefined) out.push(at);
    undocumented(child, at, out);
  }
  if (schema.items !== undefined) undocumented(schema.items, `${path}[]`, out);
  if (typeof schema.additionalProperties === "object")
    undocumented(schema.additionalProperties, `${path}.*`, out);
  return out;
}

describe("JSON schemas", () => {
  for (const file of ["rollout.schema.json", "meshcanary-config.schema.json"]) {
    const schema = JSON.parse(readFileSync(join(REPO_ROOT, "schemas", file), "utf8")) as Schema & {
      definitions?: Record<string, Schema>;
    };

    it(`${file}: every field has a description`, () => {
      const missing = undocumented(schema, "", []);
      for (const [name, def] of Object.entries(schema.definitions ?? {}))
        undocumented(def, `#${name}`, missing);
      expect(missing).to.deep.equal([]);
    });

    it(`${file}: refuses unknown fields at every level`, () => {
      const open: string[] = [];
      const walk = (s: Schema, path: string) => {
        if (s.properties !== undefined && s.additionalProperties !== false) open.push(path);
        for (const [name, child] of Object.entries(s.properties ?? {}))
          walk(child, `${path}.${name}`);
        if (s.items !== undefined) walk(s.items, `${path}[]`);
      };
      walk(schema, "");
      for (const [name, def] of Object.entries(schema.definitions ?? {})) walk(def, `#${name}`);
      expect(open).to.deep.equal([]);
    });
  }
});
