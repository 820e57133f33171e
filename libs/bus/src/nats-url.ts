/**
 * The servers and credentials in a NATS URL list ("nats://host:4222,nats://host2:4222"). A URL may
 * carry credentials as `user:password@` or `token@` (percent-encoded where needed), as NATS
 * clients conventionally accept; they become the connection's credentials and are removed from
 * the server addresses, so they never appear where servers are shown. All URLs that carry
 * credentials must carry the same ones: a service connects with one identity.
 */
export interface NatsServers {
  readonly servers: string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
}

export function parseNatsUrls(urls: string): NatsServers {
  const servers: string[] = [];
  let credentials: string | undefined;
  for (const raw of urls.split(",")) {
    const text = raw.trim();
    if (!text) continue;
    const at = text.lastIndexOf("@");
    const scheme = text.indexOf("://");
    if (at < 0 || scheme < 0 || at < scheme) {
      servers.push(text);
      continue;
    }
    const userinfo = text.slice(scheme + 3, at);
    if (credentials !== undefined && credentials !== userinfo)
      throw new RangeError("NATS URLs carry different credentials; use one user for every server");
    credentials = userinfo;
    servers.push(`${text.slice(0, scheme + 3)}${text.slice(at + 1)}`);
  }
  if (credentials === undefined) return { servers };
  const colon = credentials.indexOf(":");
  if (colon < 0) return { servers, token: decodeURIComponent(credentials) };
  return {
    servers,
    user: decodeURIComponent(credentials.slice(0, colon)),
    pass: decodeURIComponent(credentials.slice(colon + 1)),
  };
}
