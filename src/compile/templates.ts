/**
 * The Handlebars environment for templates/*.json.hbs: an isolated instance
 * in strict mode without HTML escaping, whose only way to print a value is the
 * `json` helper. It emits a JSON literal, so a name holding `\n`, `"`, `: `,
 * `#`, `&`, `*` or `{{` stays one string value inside the template's JSON, and
 * cannot add keys, routes or documents.
 */
import Handlebars from "handlebars";
import { TemplateError } from "../errors.js";
import { readPackageFile } from "../package-files.js";

const env = Handlebars.create();

env.registerHelper(
  "json",
  function jsonLiteral(this: unknown, value: unknown, options: Handlebars.HelperOptions) {
    if (value === undefined)
      throw new TemplateError(`template line ${line(options)}: a value is missing`);
    return JSON.stringify(value);
  },
);

// Handlebars' own `if` treats a missing key as false even in strict mode, so a
// misspelt condition would silently drop a section. This one refuses.
env.registerHelper(
  "if",
  function strictIf(this: unknown, condition: unknown, options: Handlebars.HelperOptions) {
    if (condition === undefined)
      throw new TemplateError(`template line ${line(options)}: #if on a missing value`);
    return Handlebars.Utils.isEmpty(condition) || condition === false
      ? options.inverse(this)
      : options.fn(this);
  },
);

function line(options: Handlebars.HelperOptions): string {
  const loc = (options as Handlebars.HelperOptions & { loc?: { start: { line: number } } }).loc;
  return loc === undefined ? "?" : String(loc.start.line);
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();

function template(name: string): HandlebarsTemplateDelegate {
  let t = compiled.get(name);
  if (t === undefined) {
    t = env.compile(readPackageFile("templates", `${name}.json.hbs`), {
      strict: true,
      noEscape: true,
    });
    compiled.set(name, t);
  }
  return t;
}

export function renderTemplate(name: string, view: object): string {
  try {
    return template(name)(view);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TemplateError(`templates/${name}.json.hbs: ${message}`, { cause: error });
  }
}

/** Renders a JSON template and parses it with the strict JSON parser: a template bug is an error, never a manifest. */
export function renderJsonTemplate(name: string, view: object): unknown {
  const text = renderTemplate(name, view);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TemplateError(
      `templates/${name}.json.hbs rendered invalid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
