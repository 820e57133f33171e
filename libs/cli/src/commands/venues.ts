import { ExitCode } from "../exit-codes.js";
import { formatVenues, type LateAck, type VenueRow, venueViews } from "../format/venues.js";
import { httpBase, requestJson } from "../http-client.js";
import type { Io } from "../io.js";
import { type CommonOptions, jsonText } from "./common.js";

export interface VenuesOptions extends CommonOptions {
  readonly coordinatorHttp: string;
  readonly venue?: string;
}

/** `breakwater venues`: GET /v1/venues joined with GET /v1/acks/late. */
export async function venuesCommand(o: VenuesOptions, io: Io): Promise<number> {
  const base = httpBase(o.coordinatorHttp, "--coordinator-http");
  const get = (path: string) =>
    requestJson({ service: "coordinator", url: `${base}${path}`, timeoutMs: o.timeout });
  const [venuesBody, lateBody] = (await Promise.all([get("/v1/venues"), get("/v1/acks/late")])) as [
    { venues?: VenueRow[] },
    { late?: LateAck[]; outstanding?: number },
  ];
  const keep = <T extends { venueId: string }>(rows: readonly T[]) =>
    o.venue === undefined ? [...rows] : rows.filter((r) => r.venueId === o.venue);
  const venues = keep(venuesBody.venues ?? []);
  const late = keep(lateBody.late ?? []);
  const now = io.now();
  const views = venueViews(venues, late, now);
  io.out(
    o.json
      ? jsonText({ venues: views, late, outstanding: late.filter((l) => l.ackedAtMs === 0).length })
      : formatVenues(views, late, now),
  );
  return ExitCode.ok;
}
