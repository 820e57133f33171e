import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { identityUri, type Role } from "./principal.js";

// Development certificates: a CA and the leaf certificates Breakwater's
// services, venues and people present. ECDSA P-256 with SHA-256, which every
// TLS stack accepts. For development and tests only: production keys come from
// the operator's own PKI (see docs/architecture.md, Security).

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as never);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface LeafRequest {
  /** Informative only: the identity is the URI. */
  readonly commonName: string;
  /** A Breakwater identity (role and name) written as a SAN URI. */
  readonly identity?: { readonly role: Role; readonly name: string; readonly trustDomain?: string };
  /** Extra SAN URIs, verbatim (tests use them for ambiguous or foreign identities). */
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

function serial(): string {
  // positive, 16 bytes
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

/** A certificate authority that can issue leaf certificates. */
export class DevAuthority {
  private constructor(
    private readonly cert: x509.X509Certificate,
    private readonly keys: CryptoKeyPair,
    readonly certPem: string,
  ) {}

  static async create(name = "Breakwater development CA", validDays = 365): Promise<DevAuthority> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=${name}`,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + validDays * DAY_MS),
      keys: keys as never,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
      ],
    });
    return new DevAuthority(cert, keys, cert.toString("pem"));
  }

  async keyPem(): Promise<string> {
    return keyPem(this.keys.privateKey);
  }

  /** Issues a certificate usable both as a TLS server and as a TLS client. */
  async issue(request: LeafRequest): Promise<PemPair> {
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
    const now = Date.now();
    const names: x509.JsonGeneralName[] = [];
    if (request.identity) {
      const { role, name, trustDomain } = request.identity;
      names.push({ type: "url", value: identityUri(role, name, trustDomain) });
    }
    for (const uri of request.uris ?? []) names.push({ type: "url", value: uri });
    for (const dns of request.dnsNames ?? []) names.push({ type: "dns", value: dns });
    for (const ip of request.ipAddresses ?? []) names.push({ type: "ip", value: ip });
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${request.commonName}`,
      issuer: this.cert.subject,
      notBefore: request.notBefore ?? new Date(now - DAY_MS),
      notAfter: request.notAfter ?? new Date(now + 90 * DAY_MS),
      signingKey: this.keys.privateKey as never,
      publicKey: keys.publicKey as never,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
      ],
    });
    return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
  }
}

/** Paths of one certificate and its key on disk. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface DevPkiRequest {
  /** Venue ids: one client certificate each, `venue-<id>.pem`. */
  readonly venues: readonly string[];
  /** Server certificates (`<name>.pem`, SANs localhost and 127.0.0.1 plus the service identity). */
  readonly services?: readonly string[];
  /** Other client identities, e.g. `{ role: "researcher", name: "ana" }`. */
  readonly people?: readonly { readonly role: Role; readonly name: string }[];
  /** Extra DNS names on server certificates (a Kubernetes Service name, say). */
  readonly serverDnsNames?: readonly string[];
}

export interface DevPki {
  readonly dir: string;
  readonly caFile: string;
  readonly services: Readonly<Record<string, CertificateFiles>>;
  readonly venues: Readonly<Record<string, CertificateFiles>>;
  readonly people: Readonly<Record<string, CertificateFiles>>;
  /** Issues one more certificate from the same CA into the folder. */
  issue(fileStem: string, request: LeafRequest): Promise<CertificateFiles>;
}

const DEFAULT_SERVICES = ["coordinator", "correlator"];

/**
 * Writes a development CA (`ca.pem`; its key `ca-key.pem` stays beside it) and
 * the requested certificates into `dir`; keys are written 0600.
 */
export async function writeDevPki(dir: string, request: DevPkiRequest): Promise<DevPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const authority = await DevAuthority.create();
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, authority.certPem);
  writeFileSync(join(dir, "ca-key.pem"), await authority.keyPem(), { mode: 0o600 });
  const issue = async (fileStem: string, leaf: LeafRequest): Promise<CertificateFiles> => {
    const pair = await authority.issue(leaf);
    const certFile = join(dir, `${fileStem}.pem`);
    const keyFile = join(dir, `${fileStem}-key.pem`);
    writeFileSync(certFile, pair.certPem);
    writeFileSync(keyFile, pair.keyPem, { mode: 0o600 });
    return { certFile, keyFile };
  };
  const services: Record<string, CertificateFiles> = {};
  for (const name of request.services ?? DEFAULT_SERVICES) {
    services[name] = await issue(name, {
      commonName: name,
      identity: { role: "service", name },
      dnsNames: ["localhost", ...(request.serverDnsNames ?? [])],
      ipAddresses: ["127.0.0.1"],
    });
  }
  const venues: Record<string, CertificateFiles> = {};
  for (const id of request.venues) {
    venues[id] = await issue(`venue-${id}`, { commonName: id, identity: { role: "venue", name: id } });
  }
  const people: Record<string, CertificateFiles> = {};
  for (const person of request.people ?? []) {
    people[person.name] = await issue(`${person.role}-${person.name}`, {
      commonName: person.name,
      identity: person,
    });
  }
  return { dir, caFile, services, venues, people, issue };
}
