/**
 * Safe markup for the project's HTML pages (the report and the live
 * overview): the `html` tagged template escapes every interpolated value
 * unless it is itself `html` output, so a name or reason from the user's YAML
 * cannot open a tag or an attribute; and the one page head, whose
 * Content-Security-Policy (`default-src 'none'`) lets a page fetch nothing and
 * run no script.
 */

/** Escapes text for HTML/XML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Markup that is already safe: produced by `html`, never from data. */
export class Html {
  constructor(readonly text: string) {}
}

export type Part = Html | string | number | null | undefined | false | readonly Part[];

function renderPart(part: Part): string {
  if (part === null || part === undefined || part === false) return "";
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(renderPart).join("");
  return escapeHtml(String(part));
}

/** A template whose interpolations are escaped (arrays are joined, `html` parts kept as is). */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += renderPart(values[i]) + (strings[i + 1] ?? "");
  return new Html(out);
}

/**
 * From `<!DOCTYPE html>` to `</head>`. `style` is the page's own CSS (a
 * constant, never data); `refreshSeconds` adds a meta refresh, which needs no
 * script.
 */
export function pageHead(title: string, style: string, refreshSeconds?: number): Html {
  const refresh =
    refreshSeconds === undefined
      ? ""
      : html`<meta http-equiv="refresh" content="${refreshSeconds}">\n`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
${refresh}<meta name="generator" content="meshcanary">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${new Html(style)}</style>
</head>`;
}
