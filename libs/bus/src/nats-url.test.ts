import { describe, expect, it } from "vitest";
import { parseNatsUrls } from "./nats-url.js";

describe("parseNatsUrls", () => {
  it("default: URLs without credentials pass through", () => {
    expect(parseNatsUrls("nats://a:4222, nats://b:4222")).toEqual({
      servers: ["nats://a:4222", "nats://b:4222"],
    });
  });

  it("behavior: user:password@ becomes the credentials, percent-decoded, and leaves the server addresses", () => {
    expect(parseNatsUrls("tls://bw:p%40ss%2Fw0rd@a:4222,tls://bw:p%40ss%2Fw0rd@b:4222")).toEqual({
      servers: ["tls://a:4222", "tls://b:4222"],
      user: "bw",
      pass: "p@ss/w0rd",
    });
    expect(parseNatsUrls("nats://s3cr3t@a:4222")).toEqual({ servers: ["nats://a:4222"], token: "s3cr3t" });
  });

  it("behavior: different credentials on different servers are refused", () => {
    expect(() => parseNatsUrls("nats://a:x@h:1,nats://b:y@h:2")).toThrow(/different credentials/);
  });
});
