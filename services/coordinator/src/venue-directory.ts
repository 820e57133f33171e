import { readFileSync } from "node:fs";
import { issueProblems } from "@breakwater/config";
import {
  BreakwaterError,
  type ErrorStatus,
  isAssetId,
  isId,
  isVenueId,
  PermissionDeniedError,
  UnauthenticatedError,
  type VenueScope,
} from "@breakwater/core";
import { DEFAULT_TRUST_DOMAIN, identityUri, type Principal } from "@breakwater/identity";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** One venue allowed to connect: its id, the certificate identity that proves it, and what it trades. */
export interface RegisteredVenue {
  readonly id: string;
  /** The SAN URI its client certificate carries. */
  readonly identity: string;
  readonly scope: VenueScope;
  /** Concurrent Subscribe streams it may hold (default: the coordinator's maxStreamsPerVenue). */
  readonly maxStreams?: number | undefined;
}

/** The registry file cannot be used. */
export class InvalidVenueRegistryError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super("invalid_venue_registry", `venue registry ${path} is invalid:\n  ${problems.join("\n  ")}`, {
      path,
      problems,
    });
  }
}

const ids = (check: (s: string) => boolean, what: string) =>
  z
    .array(z.string().refine(check, `must be ${what}`))
    .max(10_000)
    .default([]);

const fileSchema = z
  .object({
    venues: z
      .array(
        z
          .object({
            id: z.string().refine(isVenueId, "must be a venue id (letters, digits, _ . : / -)"),
            /** Default: spiffe://<trust domain>/venue/<id>. */
            identity: z.string().startsWith("spiffe://", "must be a spiffe:// URI").optional(),
            scope: z
              .object({
                assets: ids(isAssetId, "asset ids"),
                markets: ids(isId, "market ids"),
                chains: ids(isId, "chain ids"),
              })
              .strict()
              .default({ assets: [], markets: [], chains: [] }),
            maxStreams: z.number().int().min(1).max(1_000).optional(),
          })
          .strict(),
      )
      .min(1, "must register at least one venue"),
  })
  .strict();

/**
 * The venues the coordinator serves, from its configuration (a YAML file, a
 * ConfigMap in the chart). A caller's venue is the entry whose identity its
 * verified client certificate carries; the venue id in a request must be that
 * entry's, and it receives only signals in that entry's scope.
 */
export class VenueDirectory {
  private readonly byId = new Map<string, RegisteredVenue>();
  private readonly byIdentity = new Map<string, RegisteredVenue>();

  constructor(venues: readonly RegisteredVenue[]) {
    for (const v of venues) {
      if (this.byId.has(v.id)) throw new Error(`venue ${v.id} is registered twice`);
      if (this.byIdentity.has(v.identity)) throw new Error(`identity ${v.identity} is registered twice`);
      this.byId.set(v.id, v);
      this.byIdentity.set(v.identity, v);
    }
  }

  /** Parses a registry document; throws InvalidVenueRegistryError listing every problem. */
  static parse(text: string, source: string, trustDomain = DEFAULT_TRUST_DOMAIN): VenueDirectory {
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch (err) {
      throw new InvalidVenueRegistryError(source, [`not YAML: ${(err as Error).message}`]);
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new InvalidVenueRegistryError(source, issueProblems(parsed.error));
    }
    const venues = parsed.data.venues.map((v) => ({
      id: v.id,
      identity: v.identity ?? identityUri("venue", v.id, trustDomain),
      scope: v.scope,
      maxStreams: v.maxStreams,
    }));
    try {
      return new VenueDirectory(venues);
    } catch (err) {
      throw new InvalidVenueRegistryError(source, [(err as Error).message]);
    }
  }

  static load(path: string, trustDomain = DEFAULT_TRUST_DOMAIN): VenueDirectory {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new InvalidVenueRegistryError(path, [`cannot read: ${(err as Error).message}`]);
    }
    return VenueDirectory.parse(text, path, trustDomain);
  }

  get size(): number {
    return this.byId.size;
  }

  list(): RegisteredVenue[] {
    return [...this.byId.values()];
  }

  get(id: string): RegisteredVenue | undefined {
    return this.byId.get(id);
  }

  /** The venue a principal is, or UNAUTHENTICATED when it is not a registered venue. */
  venueOf(principal: Principal): RegisteredVenue {
    const venue = this.byIdentity.get(principal.uri);
    if (!venue) {
      throw new UnauthenticatedError(
        principal.role === "venue" ? "unknown_venue" : "not_a_venue",
        principal.role === "venue"
          ? `identity ${principal.uri} is not in the venue registry`
          : `identity ${principal.uri} is not a venue`,
      );
    }
    return venue;
  }

  /**
   * The venue a principal may act as for `requestedId`: its own registered
   * entry, and only when the request names that id.
   */
  authorize(principal: Principal, requestedId: string): RegisteredVenue {
    const venue = this.venueOf(principal);
    if (requestedId !== venue.id) {
      throw new PermissionDeniedError(
        "other_venue",
        `identity ${principal.uri} is venue ${venue.id}; it cannot act as venue ${requestedId.slice(0, 64)}`,
      );
    }
    return venue;
  }
}
