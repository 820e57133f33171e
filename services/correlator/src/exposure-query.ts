import {
  type ExposureFilter,
  InvalidRequestError,
  isAssetId,
  isChainId,
  isEntityId,
  isVenueId,
} from "@breakwater/core";
import type { GetExposureRequest } from "@breakwater/proto";

type FilterKey = keyof ExposureFilter;

/** HTTP query parameter → filter field, with the rule its value must follow. */
const PARAMS: Record<string, { key: FilterKey; valid: (v: string) => boolean; rule: string }> = {
  asset: { key: "asset", valid: isAssetId, rule: "an asset id (letters, digits, _ . : / -)" },
  chain: { key: "chainId", valid: isChainId, rule: "a chain id (lowercase letters, digits and dashes)" },
  venue: { key: "venueId", valid: isVenueId, rule: "a venue id (letters, digits, _ . : / -)" },
  entity: {
    key: "entity",
    valid: isEntityId,
    rule: "an entity (an address, <chain>:<account> or a configured name)",
  },
};

/** Checks one filter value against its parameter's rule; `field` is the name the caller used. */
export function check(param: string, field: string, value: string, allowEmpty: boolean): string | undefined {
  if (value === "") {
    if (allowEmpty) return undefined;
    throw new InvalidRequestError(field, "must not be empty (leave the parameter out to match everything)");
  }
  const rule = PARAMS[param]!;
  if (!rule.valid(value)) throw new InvalidRequestError(field, `"${value.slice(0, 60)}" is not ${rule.rule}`);
  return value;
}

/**
 * Parses `/v1/exposure?asset=&chain=&venue=&entity=` (and the subset `/v1/chains`
 * takes). Unknown parameters, repeated parameters and invalid values throw
 * InvalidRequestError naming the field.
 */
export function parseExposureQuery(
  params: URLSearchParams,
  allowed: readonly string[] = ["asset", "chain", "venue", "entity"],
): ExposureFilter {
  const filter: ExposureFilter = {};
  for (const name of new Set(params.keys())) {
    if (!allowed.includes(name)) {
      throw new InvalidRequestError(name, `unknown parameter (known: ${allowed.join(", ")})`);
    }
    const values = params.getAll(name);
    if (values.length > 1) throw new InvalidRequestError(name, "given more than once");
    filter[PARAMS[name]!.key] = check(name, name, values[0]!, false);
  }
  return filter;
}

/** The same filters from a gRPC request; empty fields match everything, as the proto says. */
export function filterOfRequest(req: GetExposureRequest): ExposureFilter {
  const filter: ExposureFilter = {};
  const entity = check("entity", "entity", req.entity, true);
  if (entity) filter.entity = entity;
  const asset = check("asset", "asset", req.asset, true);
  const chainId = check("chain", "chain_id", req.chainId, true);
  const venueId = check("venue", "venue_id", req.venueId, true);
  if (asset) filter.asset = asset;
  if (chainId) filter.chainId = chainId;
  if (venueId) filter.venueId = venueId;
  return filter;
}
