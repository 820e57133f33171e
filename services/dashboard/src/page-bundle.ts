import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const PAGE_SRC = fileURLToPath(new URL("./page/", import.meta.url));

/** The page's files by URL path: `/` (index.html), `/app.js`, `/app.css`; each also gzipped once. */
export type PageAssets = ReadonlyMap<
  string,
  { readonly type: string; readonly body: Buffer; readonly gzipped: Buffer }
>;

const asset = (type: string, body: Buffer) => ({ type, body, gzipped: gzipSync(body, { level: 9 }) });

const FILES = [
  { path: "/", file: "index.html", type: "text/html; charset=utf-8" },
  { path: "/app.js", file: "app.js", type: "text/javascript; charset=utf-8" },
  { path: "/app.css", file: "app.css", type: "text/css; charset=utf-8" },
] as const;

/** Bundles the page (its TypeScript and ECharts, minified) with esbuild, in memory. */
export async function bundlePage(): Promise<PageAssets> {
  // loaded here only: a service serving a page built earlier never needs esbuild
  const { build } = await import("esbuild");
  const out = await build({
    entryPoints: [join(PAGE_SRC, "main.ts")],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    write: false,
    outfile: "app.js",
    legalComments: "none",
    logLevel: "silent",
  });
  const js = out.outputFiles.find((f) => f.path.endsWith("app.js"));
  if (!js) throw new Error("esbuild produced no app.js");
  const bodies: Record<string, Buffer> = {
    "index.html": readFileSync(join(PAGE_SRC, "index.html")),
    "app.css": readFileSync(join(PAGE_SRC, "app.css")),
    "app.js": Buffer.from(js.contents),
  };
  return new Map(FILES.map((f) => [f.path, asset(f.type, bodies[f.file]!)]));
}

/** Reads a page built earlier (`writePage`, `make build`). */
export function readPage(dir: string): PageAssets {
  return new Map(FILES.map((f) => [f.path, asset(f.type, readFileSync(join(dir, f.file)))]));
}

/** Bundles the page into `dir` (index.html, app.js, app.css); returns the bundle's size in bytes. */
export async function writePage(dir: string): Promise<number> {
  const assets = await bundlePage();
  mkdirSync(dir, { recursive: true });
  for (const f of FILES) writeFileSync(join(dir, f.file), assets.get(f.path)!.body);
  return assets.get("/app.js")!.body.length;
}
