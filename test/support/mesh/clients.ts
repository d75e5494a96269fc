/**
 * The simulated client population: groups of clients sending one request
 * shape with fixed headers (e.g. `x-canary: always`), each client with its
 * own cookie jar, so a `Set-Cookie` one of them receives changes only its
 * later requests.
 */
import { CookieJar } from "./cookie-jar.js";
import type { MeshRequest } from "./route-table.js";

/** What a client sends; header names are lower-cased. */
export interface RequestShape {
  readonly method?: string;
  readonly path?: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** `count` clients, each with its own cookie jar, sending `request` (over the simulator's). */
export interface ClientGroup {
  readonly name: string;
  readonly count: number;
  readonly request?: RequestShape;
}

export interface Client {
  readonly id: string;
  readonly group: string;
  readonly request: MeshRequest;
  readonly jar: CookieJar;
  readonly served: Record<string, number>;
}

export function makeClients(groups: readonly ClientGroup[], base: RequestShape): Client[] {
  const clients: Client[] = [];
  for (const g of groups) {
    if (!(Number.isInteger(g.count) && g.count >= 0))
      throw new Error(`clients ${g.name}: count must be an integer >= 0`);
    const shape = { ...base, ...g.request, headers: { ...base.headers, ...g.request?.headers } };
    const request: MeshRequest = {
      method: shape.method ?? "GET",
      path: shape.path ?? "/",
      query: shape.query ?? {},
      headers: Object.fromEntries(
        Object.entries(shape.headers).map(([k, v]) => [k.toLowerCase(), v]),
      ),
    };
    for (let i = 0; i < g.count; i++)
      clients.push({
        id: `${g.name}#${i}`,
        group: g.name,
        request,
        jar: new CookieJar(),
        served: {},
      });
  }
  if (clients.length === 0) throw new Error("clients: at least one client is needed");
  return clients;
}

/** The client's request at simulated time `nowMs`: its jar's live cookies after any it sets itself. */
export function requestOf(client: Client, nowMs: number): MeshRequest {
  const { request } = client;
  const cookie = client.jar.header(nowMs);
  if (cookie === undefined) return request;
  const own = request.headers.cookie;
  return {
    ...request,
    headers: { ...request.headers, cookie: own === undefined ? cookie : `${own}; ${cookie}` },
  };
}
