// /openapi.json and /docs (Swagger UI). Imported on the first request to either, never at start-up.
// The S3 part of the document is generated from the operation table (api-surface.ts); the ops and
// admin routes from the Elysia routes and their `detail`. @elysiajs/swagger serves both: the
// document we hand it, and its Swagger UI page. Its page loads Swagger UI's script from unpkg.com
// (an address its options cannot move; `theme` moves only the style sheet), so that one address is
// replaced by the script embedded here from swagger-ui-dist: the page needs no network.
import { swagger, type ElysiaSwaggerConfig } from "@elysiajs/swagger";
import bundlePath from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import cssPath from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import uiPackage from "swagger-ui-dist/package.json" with { type: "json" };
import { statusOf } from "../errors.ts";
import { API_ROUTES, type ApiRoute } from "./api-surface.ts";

export const DOCS_TITLE = "BleepStore S3-Compatible API";

/** The routes beside S3 (ops, admin) as Elysia lists them. */
export interface DocumentedRoute {
  method: string;
  path: string;
  hooks?: { detail?: { summary?: string; tags?: string[]; security?: unknown[] } };
}

const ASSETS: Record<string, { path: string; type: string }> = {
  "swagger-ui-bundle.js": { path: bundlePath, type: "text/javascript; charset=utf-8" },
  "swagger-ui.css": { path: cssPath, type: "text/css; charset=utf-8" },
};

const pathKey = (r: ApiRoute) =>
  r.query ? `${r.path}?${Object.entries(r.query).map(([k, v]) => (v && !v.startsWith("{") ? `${k}=${v}` : k)).join("&")}` : r.path;

function s3Operation(r: ApiRoute) {
  const parameters: unknown[] = [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name, in: "path", required: true, schema: { type: "string" },
    ...(name === "key" ? { description: "The object key; may contain slashes", allowReserved: true } : {}),
  }));
  for (const [name, value] of Object.entries(r.query ?? {})) {
    if (value.startsWith("{")) parameters.push({ name, in: "query", required: true, schema: { type: name === "partNumber" ? "integer" : "string" } });
  }
  if (r.header) parameters.push({ name: r.header, in: "header", required: true, schema: { type: "string" } });
  for (const p of r.params ?? []) {
    const header = p.startsWith("h:");
    parameters.push({ name: p.slice(header ? 2 : 1), in: header ? "header" : "query", required: false, schema: { type: "string" } });
  }
  const status = String(r.status ?? 200);
  const responses: Record<string, { description: string; content?: unknown }> = {
    [status]: { description: status === "204" ? "Done; no body" : "Success: an XML document in the S3 namespace, object bytes, or headers only" },
  };
  const codes = [...new Set([...(r.errors ?? []), "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InternalError"] as const)];
  for (const code of codes) {
    const s = String(statusOf(code));
    const entry = responses[s] ?? { description: "An S3 error document: <Error><Code/><Message/><Resource/><RequestId/></Error>. Codes:", content: { "application/xml": {} } };
    entry.description += ` ${code}`;
    responses[s] = entry;
  }
  return {
    tags: [r.tag], operationId: r.name, summary: `${r.name} — ${r.summary}`, parameters,
    security: r.method === "OPTIONS" ? [] : [{ sigv4: [] }], responses,
  };
}

/** The whole OpenAPI 3 document; `origin` is the server's own URL as the client reached it. */
export function openApiDocument(version: string, origin: string, routes: DocumentedRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of API_ROUTES) (paths[pathKey(r)] ??= {})[r.method.toLowerCase()] = s3Operation(r);
  for (const r of routes) {
    if (r.path.includes("*") || r.path.startsWith("/docs") || r.path === "/openapi.json" || r.method === "ALL") continue;
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    const detail = r.hooks?.detail ?? {};
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      tags: detail.tags ?? ["operations"], summary: detail.summary ?? path, ...(detail.security ? { security: detail.security } : { security: [] }),
      parameters: [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: "path", required: true, schema: { type: "string" } })),
      responses: { "200": { description: "Success" } },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: DOCS_TITLE, version,
      description: "An S3-compatible object store. Requests are signed with AWS Signature V4 (header or presigned query); operations sharing a path and method are told apart by their query subresource or header, shown in each path. The admin API takes the bearer token from admin.token.",
    },
    servers: [{ url: origin }],
    tags: [
      { name: "Bucket", description: "Buckets and their settings" },
      { name: "Object", description: "Objects, their versions, ACLs and tags" },
      { name: "MultipartUpload", description: "Uploads in parts" },
      { name: "operations", description: "Health, readiness and metrics (no auth)" },
      { name: "admin", description: "Key pairs, metadata export/import, status, reconciliation (bearer token)" },
    ],
    paths,
    components: {
      securitySchemes: {
        sigv4: { type: "apiKey", in: "header", name: "Authorization", description: "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…" },
        bearer: { type: "http", scheme: "bearer" },
      },
    },
  };
}

const UNPKG_BUNDLE = `https://unpkg.com/swagger-ui-dist@${uiPackage.version}/swagger-ui-bundle.js`;

/** The plugin for one origin (the document names the server's URL as the client reached it); a few kept. */
const plugins = new Map<string, ReturnType<typeof swagger>>();
function pluginFor(version: string, origin: string, routes: DocumentedRoute[]): ReturnType<typeof swagger> {
  let plugin = plugins.get(origin);
  if (!plugin) {
    if (plugins.size >= 8) plugins.delete(plugins.keys().next().value!);
    plugin = swagger({
      provider: "swagger-ui", version: uiPackage.version, path: "/docs", specPath: "/openapi.json",
      theme: "/docs/swagger-ui.css", autoDarkMode: false, swaggerOptions: { deepLinking: true },
      // The plugin's type knows OpenAPI 3.0 documents; ours says 3.1.0, which the plugin passes through.
      documentation: openApiDocument(version, origin, routes) as ElysiaSwaggerConfig["documentation"],
    });
    plugins.set(origin, plugin);
  }
  return plugin;
}

/** /openapi.json as the plugin serves it. */
export function openApiResponse(version: string, origin: string, routes: DocumentedRoute[]): Promise<Response> {
  return pluginFor(version, origin, routes).handle(new Request(`${origin}/openapi.json`));
}

/** /docs: the plugin's Swagger UI page, its script taken from this binary instead of unpkg.com. */
export async function docsPage(version: string, origin: string, routes: DocumentedRoute[]): Promise<Response> {
  const page = await (await pluginFor(version, origin, routes).handle(new Request(`${origin}/docs`))).text();
  if (!page.includes(UNPKG_BUNDLE)) throw new Error("@elysiajs/swagger's page no longer loads Swagger UI from the address docs.ts replaces");
  return new Response(page.replace(UNPKG_BUNDLE, "/docs/swagger-ui-bundle.js"), { headers: { "content-type": "text/html; charset=utf-8" } });
}

/** One of the embedded Swagger UI files, or 404. */
export function docsAsset(name: string): Response {
  const asset = ASSETS[name];
  if (!asset) return new Response("Not Found", { status: 404 });
  return new Response(Bun.file(asset.path), { headers: { "content-type": asset.type, "cache-control": "public, max-age=86400" } });
}
