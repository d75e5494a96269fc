/**
 * Credentials never leave the process: `https://user:token@host` → `https://***@host` in any text.
 * Any user part of an http(s) URL may be a token (`https://<token>@github.com`); in other
 * schemes only a `user:password` is, and an SSH login name (`ssh://git@host`) stays readable.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(
    /([a-z][a-z0-9+.-]*):\/\/([^/@\s]+)@/gi,
    (whole, scheme: string, user: string) =>
      /^https?$/i.test(scheme) || user.includes(":") ? `${scheme}://***@` : whole,
  );
}
