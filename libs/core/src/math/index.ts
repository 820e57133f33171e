// Numeric helpers of the risk math, behind "@breakwater/core/math": they are
// no domain concept, so the package's main entry does not carry them.

export { clamp } from "./clamp.js";
export { median } from "./median.js";
export { erf, erfc, normalCdf, normalPdf } from "./normal.js";
