// The dashboard: a page for researchers over the correlator's and coordinator's APIs.

export type { DashboardConfig } from "./config.js";
export { dashboardConfigSchema, loadDashboardConfig } from "./config.js";
export type { RunningDashboard } from "./dashboard.js";
export { startDashboard } from "./dashboard.js";
export { UpstreamError } from "./errors.js";
export type { PageAssets } from "./page-bundle.js";
export { bundlePage, readPage, writePage } from "./page-bundle.js";
