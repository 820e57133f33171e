// Bundles the dashboard's page into a folder (default dist/dashboard/page), for images and `make build`.
import { resolve } from "node:path";
import { writePage } from "@breakwater/dashboard";

const dir = resolve(process.argv[2] ?? "dist/dashboard/page");
const started = Date.now();
const bytes = await writePage(dir);
console.log(`built ${dir} (app.js ${(bytes / 1024).toFixed(0)} KiB) in ${Date.now() - started} ms`);
