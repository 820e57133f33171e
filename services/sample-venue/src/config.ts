import { loadConfig } from "@breakwater/config";
import { isVenueId } from "@breakwater/core";
import { z } from "zod";

export const sampleVenueConfigSchema = z
  .object({
    venueId: z
      .string({ error: "required (--venue or BW_VENUE_ID)" })
      .refine(isVenueId, "must be a venue id (letters, digits, _ . : / -)"),
    coordinatorAddr: z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, "must be host:port")
      .default("127.0.0.1:50051"),
    afterSequence: z.coerce.number().int("must be an integer").min(0).default(0),
  })
  .strict();

export type SampleVenueConfig = z.infer<typeof sampleVenueConfigSchema>;

/** Loads the sample venue's settings from BW_* variables and flags; throws ConfigError listing every problem. */
export function loadSampleVenueConfig(
  argv?: readonly string[],
  environment?: NodeJS.ProcessEnv,
): SampleVenueConfig {
  return loadConfig(sampleVenueConfigSchema, {
    service: "sample-venue",
    env: {
      BW_VENUE_ID: "venueId",
      BW_COORDINATOR_ADDR: "coordinatorAddr",
      BW_AFTER_SEQUENCE: "afterSequence",
    },
    flags: { venue: "venueId", coordinator: "coordinatorAddr", after: "afterSequence" },
    ...(argv ? { argv } : {}),
    ...(environment ? { environment } : {}),
  });
}
