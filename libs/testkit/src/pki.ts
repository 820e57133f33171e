import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TlsFiles } from "@breakwater/identity";
import { type CertificateFiles, type LeafRequest, writeDevPki } from "@breakwater/identity/dev-pki";

/** A registered venue's scope in a test registry (empty lists: everything). */
export interface TestVenueScope {
  readonly assets?: readonly string[];
  readonly markets?: readonly string[];
  readonly chains?: readonly string[];
}

/**
 * A development CA in a temporary folder with a server certificate (localhost,
 * 127.0.0.1) and one client certificate per venue, a venue registry naming
 * those venues, and one Ed25519 signing key: what a test needs to run the
 * coordinator the only way it runs, with mutual TLS and registered venues.
 */
export interface TestPki {
  readonly dir: string;
  readonly caFile: string;
  /** The server identity every test service presents. */
  readonly server: CertificateFiles;
  /** The venue registry (YAML) listing every venue issued. */
  readonly venuesFile: string;
  /** The coordinator's signing key (PEM), shared by every replica a test starts. */
  readonly signingKeyPem: string;
  /** A venue's TLS files; throws for a venue this PKI did not issue. */
  venueTls(venueId: string): TlsFiles;
  /** An operator's TLS files (may read every venue's status and the whole log). */
  operatorTls(): TlsFiles;
  /** A researcher's TLS files (the correlator's exposure API). */
  researcherTls(): TlsFiles;
  /** Environment settings for a server's mutual TLS (the correlator's gRPC port). */
  serverTlsEnv(): Record<string, string>;
  /** TLS files for another identity issued by this CA (people, refused identities). */
  issue(stem: string, request: LeafRequest): Promise<TlsFiles>;
  /** Environment settings for a coordinator: TLS files, registry and signing key. */
  coordinatorEnv(): Record<string, string>;
  dispose(): void;
}

/** A process's TLS files as the environment every Breakwater process reads them from. */
export function tlsEnvOf(files: TlsFiles): Record<string, string> {
  return { BW_TLS_CERT_FILE: files.certFile, BW_TLS_KEY_FILE: files.keyFile, BW_TLS_CA_FILE: files.caFile };
}

/** The venue ids the shared test PKI registers (the ids the tests use). */
export const TEST_VENUES = [
  "perp-a",
  "perp-b",
  "perp-c",
  "opt-a",
  "opt-b",
  "lend-a",
  "lend-b",
  "perp-evm",
  "opt-evm",
  "other-perp",
  "lend-c",
  "perp-offline",
  "perp-z",
  "perp-venue",
  "fund-a",
  "sample-venue",
  "slow-venue",
  "fast-venue",
  "idle-venue",
  "someone-else",
  "v",
  "a",
  "b",
  ...Array.from({ length: 40 }, (_, i) => `venue-${i}`),
] as const;

export async function createTestPki(
  venues: readonly string[] = TEST_VENUES,
  scopes: Readonly<Record<string, TestVenueScope>> = {},
): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), "bw-pki-"));
  const pki = await writeDevPki(dir, {
    venues,
    services: ["server"],
    people: [
      { role: "operator", name: "test-operator" },
      { role: "researcher", name: "test-researcher" },
    ],
  });
  const server = pki.services.server as CertificateFiles;
  const venuesFile = join(dir, "venues.yaml");
  // JSON is YAML.
  writeFileSync(
    venuesFile,
    JSON.stringify({
      venues: venues.map((id) => ({
        id,
        ...(scopes[id]
          ? {
              scope: {
                assets: scopes[id].assets ?? [],
                markets: scopes[id].markets ?? [],
                chains: scopes[id].chains ?? [],
              },
            }
          : {}),
      })),
    }),
  );
  const signingKeyPem = generateKeyPairSync("ed25519")
    .privateKey.export({ format: "pem", type: "pkcs8" })
    .toString();
  const signingKeyFile = join(dir, "signing-key.pem");
  writeFileSync(signingKeyFile, signingKeyPem, { mode: 0o600 });
  return {
    dir,
    caFile: pki.caFile,
    server,
    venuesFile,
    signingKeyPem,
    venueTls(venueId) {
      const files = pki.venues[venueId];
      if (!files) throw new Error(`the test PKI issued no certificate for venue ${venueId}`);
      return { ...files, caFile: pki.caFile };
    },
    operatorTls: () => ({ ...(pki.people["test-operator"] as CertificateFiles), caFile: pki.caFile }),
    researcherTls: () => ({ ...(pki.people["test-researcher"] as CertificateFiles), caFile: pki.caFile }),
    serverTlsEnv: () => tlsEnvOf({ ...server, caFile: pki.caFile }),
    async issue(stem, request) {
      return { ...(await pki.issue(stem, request)), caFile: pki.caFile };
    },
    coordinatorEnv: () => ({
      ...tlsEnvOf({ ...server, caFile: pki.caFile }),
      BW_VENUES_FILE: venuesFile,
      BW_SIGNING_KEY_FILE: signingKeyFile,
    }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

let shared: Promise<TestPki> | undefined;
let sharedReady: TestPki | undefined;

/** One test PKI per test process, registering {@link TEST_VENUES}; removed when the process exits. */
export function sharedTestPki(): Promise<TestPki> {
  if (!shared) {
    shared = createTestPki().then((pki) => {
      sharedReady = pki;
      process.once("exit", () => pki.dispose());
      return pki;
    });
  }
  return shared;
}

/** The shared test PKI once {@link sharedTestPki} has resolved (for synchronous helpers). */
export function sharedTestPkiNow(): TestPki {
  if (!sharedReady) throw new Error("await sharedTestPki() first (startCoordinatorProcess does)");
  return sharedReady;
}
