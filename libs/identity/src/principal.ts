/**
 * Who is calling: every Breakwater identity is a SPIFFE-style URI in a
 * certificate's subject alternative names, `spiffe://<trust domain>/<role>/<name>`.
 * The URI is the identity; the subject CN is informative only and never trusted.
 */
export const ROLES = ["venue", "researcher", "operator", "admin", "service"] as const;
export type Role = (typeof ROLES)[number];

export const DEFAULT_TRUST_DOMAIN = "breakwater";

export interface Principal {
  readonly role: Role;
  /** The venue id for a venue, the person's or service's name otherwise. */
  readonly name: string;
  /** The full identity URI, as it appears in the certificate. */
  readonly uri: string;
}

/** A name as core's ids have it (venue ids may hold "/"), with no empty path segment. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)*$/;
const MAX_NAME = 128;

/** The identity URI of a role and name. */
export function identityUri(role: Role, name: string, trustDomain = DEFAULT_TRUST_DOMAIN): string {
  return `spiffe://${trustDomain}/${role}/${name}`;
}

/** Parses one identity URI of the trust domain, or undefined when it is not one. */
export function principalOfUri(uri: string, trustDomain = DEFAULT_TRUST_DOMAIN): Principal | undefined {
  const prefix = `spiffe://${trustDomain}/`;
  if (!uri.startsWith(prefix)) return undefined;
  const path = uri.slice(prefix.length);
  const slash = path.indexOf("/");
  if (slash <= 0) return undefined;
  const role = path.slice(0, slash);
  const name = path.slice(slash + 1);
  if (!(ROLES as readonly string[]).includes(role)) return undefined;
  if (name.length > MAX_NAME || !NAME.test(name)) return undefined;
  return { role: role as Role, name, uri };
}

/**
 * The URIs among a certificate's subject alternative names, from Node's
 * `subjectaltname` text (`DNS:localhost, URI:spiffe://…, IP Address:127.0.0.1`).
 * Node quotes an entry that holds a comma or a quote, as JSON.
 */
export function sanUris(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  const uris: string[] = [];
  const entry = /\s*(?:URI:("(?:[^"\\]|\\.)*"|[^,]*)|[^,]*)(?:,|$)/gy;
  let match: RegExpExecArray | null = entry.exec(subjectaltname);
  while (match !== null && match[0] !== "") {
    const raw = match[1];
    if (raw !== undefined) uris.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.trim());
    match = entry.exec(subjectaltname);
  }
  return uris;
}

/**
 * The one Breakwater identity a certificate carries. A certificate with none,
 * or with two (ambiguous: which one acts?), has no principal.
 */
export function principalOfSan(
  subjectaltname: string | undefined,
  trustDomain = DEFAULT_TRUST_DOMAIN,
): Principal | undefined {
  const found = sanUris(subjectaltname)
    .map((uri) => principalOfUri(uri, trustDomain))
    .filter((p): p is Principal => p !== undefined);
  return found.length === 1 ? found[0] : undefined;
}
