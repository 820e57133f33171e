import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { BreakwaterError } from "@breakwater/core";
import { type ChannelCredentials, experimental, type ServerCredentials } from "@grpc/grpc-js";

/** A TLS identity and the CA bundle it trusts, as files (Kubernetes Secrets in the chart). */
export interface TlsFiles {
  /** PEM certificate chain presented by this process. */
  readonly certFile: string;
  /** PEM private key of that certificate. */
  readonly keyFile: string;
  /** PEM CA bundle the peer's certificate must chain to. */
  readonly caFile: string;
}

/** TLS files that are missing, unreadable or do not form a usable identity. */
export class TlsConfigError extends BreakwaterError {
  constructor(message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super("tls_config", message, context, cause);
  }
}

/** How often certificate files are re-read; a renewed Secret takes effect within this. */
export const DEFAULT_TLS_REFRESH_MS = 10_000;

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsConfigError(
      `cannot read the ${what} file ${path}: ${(err as Error).message}`,
      { path },
      err,
    );
  }
}

/**
 * Reads the files once and checks that they make a TLS identity (key matches
 * certificate, CA bundle parses), so a bad Secret fails the start with the file
 * named instead of failing every handshake later.
 */
export function checkTlsFiles(files: TlsFiles): void {
  const cert = readPem(files.certFile, "certificate");
  const key = readPem(files.keyFile, "private key");
  const ca = readPem(files.caFile, "CA bundle");
  try {
    createSecureContext({ cert, key, ca });
  } catch (err) {
    throw new TlsConfigError(
      `the TLS files do not form an identity (${(err as Error).message}): ${files.certFile}, ${files.keyFile}, ${files.caFile}`,
      { certFile: files.certFile, keyFile: files.keyFile, caFile: files.caFile },
      err,
    );
  }
}

function watcherOf(files: TlsFiles, refreshMs: number) {
  return new experimental.FileWatcherCertificateProvider({
    certificateFile: files.certFile,
    privateKeyFile: files.keyFile,
    caCertificateFile: files.caFile,
    refreshIntervalMs: refreshMs,
  });
}

/**
 * Server credentials for mutual TLS whose files are re-read every `refreshMs`
 * (new connections use the new certificate and CA; open ones keep theirs).
 * Client certificates are requested and verified against the CA, but a client
 * without a verified one is not cut off in the handshake: its calls are refused
 * with UNAUTHENTICATED and counted, so the refusal is visible to both sides.
 */
export function serverCredentialsOf(files: TlsFiles, refreshMs = DEFAULT_TLS_REFRESH_MS): ServerCredentials {
  checkTlsFiles(files);
  const watcher = watcherOf(files, refreshMs);
  return experimental.createCertificateProviderServerCredentials(watcher, watcher, false);
}

/** Channel credentials presenting a client certificate and trusting the CA bundle, re-read like the server's. */
export function channelCredentialsOf(
  files: TlsFiles,
  refreshMs = DEFAULT_TLS_REFRESH_MS,
): ChannelCredentials {
  checkTlsFiles(files);
  const watcher = watcherOf(files, refreshMs);
  return experimental.createCertificateProviderChannelCredentials(watcher, watcher);
}
