#!/usr/bin/env node
// Bundles each service's entry point into dist/<service>/main.mjs for container
// images (third-party packages stay external and come from node_modules).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const services = readdirSync(join(root, "services")).filter((s) =>
  existsSync(join(root, "services", s, "src/main.ts")),
);
const exportsOf = new Map();
function workspaceExports(dir) {
  if (!exportsOf.has(dir))
    exportsOf.set(dir, JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).exports);
  return exportsOf.get(dir);
}
for (const service of services) {
  await build({
    entryPoints: [join(root, "services", service, "src/main.ts")],
    outfile: join(root, "dist", service, "main.mjs"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    sourcemap: true,
    packages: "external",
    plugins: [
      {
        // workspace packages (@breakwater/*) are bundled from source, each subpath
        // ("@breakwater/core/math") through its package.json "exports" as Node resolves it
        name: "bundle-workspace",
        setup(b) {
          b.onResolve({ filter: /^@breakwater\// }, (args) => {
            const [, name, ...rest] = args.path.split("/");
            const dir = join(root, "libs", name);
            const target = workspaceExports(dir)[rest.length > 0 ? `./${rest.join("/")}` : "."];
            if (typeof target !== "string")
              return { errors: [{ text: `${args.path} is not exported by libs/${name}/package.json` }] };
            return { path: join(dir, target) };
          });
        },
      },
    ],
  });
  console.log(`built dist/${service}/main.mjs`);
}

// the dashboard's page (its own browser bundle), served from BW_DASHBOARD_PAGE_DIR in images
execFileSync(
  process.execPath,
  ["--import", "tsx", "scripts/build-dashboard-page.ts", "dist/dashboard/page"],
  {
    cwd: root,
    stdio: "inherit",
  },
);
