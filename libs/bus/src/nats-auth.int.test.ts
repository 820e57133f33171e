import { type NatsServer, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus } from "./connection.js";
import { BusAuthenticationError } from "./errors.js";

// A nats-server that requires a username and password: the URL's credentials are used.
describe("connectBus with credentials in the URL", () => {
  let nats: NatsServer;
  const password = "p@ss/w0rd";
  beforeAll(async () => {
    nats = await startNats({ args: ["--user", "bw", "--pass", password] });
  });
  afterAll(async () => {
    await nats?.dispose();
  });
  const at = (userinfo: string) => nats.url.replace("nats://", `nats://${userinfo}@`);

  it("behavior: user:password@ (percent-encoded) connects and ensures the streams", async () => {
    const bus = await connectBus({ url: at(`bw:${encodeURIComponent(password)}`), name: "auth-test" });
    expect((await bus.jsm.streams.names().next()).length).toBeGreaterThan(0);
    await bus.close();
  });

  it("behavior: no or wrong credentials are refused by the server", async () => {
    await expect(connectBus({ url: nats.url, name: "anon" })).rejects.toBeInstanceOf(BusAuthenticationError);
    await expect(connectBus({ url: at("bw:wrong"), name: "wrong" })).rejects.toThrow(
      /NATS refused wrong's credentials/,
    );
  });
});
