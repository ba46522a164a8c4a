// Typed clients for the three Kessos services. Paths, bodies, query parameters and answers come from
// the services' OpenAPI documents (src/generated, from openapi/*.json); errors are problem+json.
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components as DisasterComponents, paths as DisasterPaths } from "./generated/disaster.js";
import type { components as ProgramsComponents, paths as ProgramsPaths } from "./generated/programs.js";
import type { components as RegistryComponents, paths as RegistryPaths } from "./generated/registry.js";

export type { DisasterComponents, DisasterPaths, ProgramsComponents, ProgramsPaths, RegistryComponents, RegistryPaths };

/** RFC 9457 problem+json: every error answer of every service. */
export type Problem = RegistryComponents["schemas"]["Problem"];

export interface KessosOptions {
  registryUrl: string;
  programsUrl: string;
  disasterUrl: string;
  /** The bearer token, or a function giving the current one (refreshed by your sign-in code). */
  token: string | (() => string | Promise<string>);
  /** Sent as Accept-Language: `id` for Indonesian titles and messages. */
  language?: string;
  fetch?: typeof globalThis.fetch;
}

export interface Kessos {
  registry: Client<RegistryPaths>;
  programs: Client<ProgramsPaths>;
  disaster: Client<DisasterPaths>;
}

function authorise(options: KessosOptions): Middleware {
  return {
    async onRequest({ request }) {
      const token = typeof options.token === "function" ? await options.token() : options.token;
      request.headers.set("Authorization", `Bearer ${token}`);
      if (options.language) request.headers.set("Accept-Language", options.language);
      return request;
    },
  };
}

export function createKessos(options: KessosOptions): Kessos {
  const auth = authorise(options);
  const make = <Paths extends {}>(baseUrl: string): Client<Paths> => {
    const client = createClient<Paths>({ baseUrl, fetch: options.fetch });
    client.use(auth);
    return client;
  };
  return {
    registry: make<RegistryPaths>(options.registryUrl),
    programs: make<ProgramsPaths>(options.programsUrl),
    disaster: make<DisasterPaths>(options.disasterUrl),
  };
}

/** A multipart body for uploads: openapi-fetch sends JSON unless given FormData. */
export function formData(fields: Record<string, string | Blob>, filename = "upload"): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value instanceof Blob) form.append(name, value, filename);
    else form.append(name, value);
  }
  return form;
}

/** Thrown by `must` for an error answer: the problem+json as the service sent it. */
export class KessosError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${status} ${problem.title}: ${problem.detail}`);
  }
}

/** The answer's data, or a KessosError carrying the problem+json. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ data: T; response: Response }> {
  const { data, error, response } = await call;
  if (error !== undefined || data === undefined) throw new KessosError(response.status, error as Problem);
  return { data, response };
}
