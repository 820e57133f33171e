#!/usr/bin/env node
// Bundles each service's entry point into dist/<service>/main.mjs for container
// images (third-party packages stay external and come from node_modules).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const services = readdirSync(join(root, "services")).filter((s) =>
  existsSync(join(root, "services", s, "src/main.ts")),
);
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
        // workspace packages (@breakwater/*) are bundled from source; everything else stays external
        name: "bundle-workspace",
        setup(b) {
          b.onResolve({ filter: /^@breakwater\// }, (args) => ({
            path: join(
              root,
              args.path.startsWith("@breakwater/proto") ? "libs/proto" : `libs/${args.path.split("/")[1]}`,
              "src/index.ts",
            ),
          }));
        },
      },
    ],
  });
  console.log(`built dist/${service}/main.mjs`);
}
