import { runService } from "@breakwater/config";
import { VenueClient } from "@breakwater/sdk";
import { loadSampleVenueConfig, parseTrustedKeys } from "./config.js";
import { print, signalLine } from "./events.js";

/**
 * A small venue: prints one JSON line per signal on stdout, acks it RECEIVED,
 * "applies" it at its effective time and acks APPLIED (unless it already expired).
 */
runService("sample-venue", async () => {
  const config = loadSampleVenueConfig();
  const venue = config.venueId;
  const pinned = parseTrustedKeys(config.trustedKeys) ?? [];
  const client: VenueClient = new VenueClient({
    address: config.coordinatorAddr,
    venueId: venue,
    tls: { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, caFile: config.tlsCaFile },
    afterSequence: config.afterSequence,
    // Pinned keys when configured, else the keys the coordinator publishes.
    signatures: pinned.length > 0 ? { keys: pinned } : { fetchFromCoordinator: true },
    handler: (signal, delivery) => {
      print(signalLine(venue, signal, delivery.receivedAtMs, delivery));
      // A halt that already ended (replayed after a long outage) is acknowledged, not applied.
      if (!delivery.expired) void client.applyAt(signal, () => undefined);
    },
  });
  client.on("subscribed", ({ afterSequence }) =>
    print({ event: "ready", venue, coordinator: config.coordinatorAddr, afterSequence }),
  );
  client.on("applied", (info) => print({ event: "applied", venue, ...info }));
  client.on("gap", (err) => print({ event: "gap", venue, message: err.message, resumeFrom: err.resumeFrom }));
  client.on("late", (info) => print({ event: "late", venue, ...info }));
  client.on("skew", (info) => print({ event: "clock_skew", venue, ...info }));
  client.on("disconnected", ({ error, retryInMs }) =>
    print({ event: "disconnected", venue, message: error.message, retryInMs }),
  );
  client.on("error", (err) => print({ event: "error", venue, code: err.code, message: err.message }));
  print({
    event: "signatures",
    venue,
    mode: pinned.length > 0 ? "pinned" : "fetched from the coordinator",
    keyIds: pinned.map((k) => k.keyId),
  });
  client.start();
  return () => client.close();
});
