/**
 * A client's cookies in simulated time: `Set-Cookie` stores or replaces a
 * cookie, `Max-Age` (seconds) sets when it expires and deletes it when
 * zero or negative (RFC 6265 §5.2.2); without `Max-Age` it is a session
 * cookie that lives as long as the client. `Expires`, `Path` and `Domain`
 * are not interpreted: every cookie goes with every request to the service.
 */
export class CookieJar {
  readonly #cookies = new Map<string, { value: string; expiresAtMs: number }>();

  /** Applies one `Set-Cookie` header value received at simulated time `nowMs`. */
  receive(setCookie: string, nowMs: number): void {
    const [pair = "", ...attributes] = setCookie.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) return; // RFC 6265: a cookie without a name is ignored
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let expiresAtMs = Number.POSITIVE_INFINITY;
    for (const attribute of attributes) {
      const [key = "", raw = ""] = attribute.split("=", 2).map((s) => s.trim());
      if (key.toLowerCase() !== "max-age" || !/^-?\d+$/.test(raw)) continue;
      const seconds = Number(raw);
      expiresAtMs = seconds <= 0 ? Number.NEGATIVE_INFINITY : nowMs + seconds * 1000;
    }
    if (expiresAtMs <= nowMs) this.#cookies.delete(name);
    else this.#cookies.set(name, { value, expiresAtMs });
  }

  /** The `Cookie` request header at `nowMs`, or undefined without live cookies. */
  header(nowMs: number): string | undefined {
    const live = this.entries(nowMs);
    return live.length === 0 ? undefined : live.map(([n, v]) => `${n}=${v}`).join("; ");
  }

  /** Live cookies at `nowMs` as `[name, value]`, in the order they were first set. */
  entries(nowMs: number): [string, string][] {
    for (const [name, c] of this.#cookies) if (c.expiresAtMs <= nowMs) this.#cookies.delete(name);
    return [...this.#cookies].map(([n, c]) => [n, c.value]);
  }
}
