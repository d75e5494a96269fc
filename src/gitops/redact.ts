/** Credentials never leave the process: `https://user:token@host` → `https://***@host` in any text. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}
