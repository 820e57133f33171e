import { describe, expect, it } from "vitest";
import { redactUrlCredentials } from "./logger.js";

describe("redactUrlCredentials", () => {
  it("behavior: credentials in URLs become ***, the servers stay", () => {
    expect(redactUrlCredentials("tls://bw:s3cr3t@a:4222,tls://bw:s3cr3t@b:4222")).toBe(
      "tls://***@a:4222,tls://***@b:4222",
    );
    expect(redactUrlCredentials("nats://a:4222")).toBe("nats://a:4222");
  });
});
