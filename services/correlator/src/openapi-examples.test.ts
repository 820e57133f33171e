import { historyQueryOf } from "@breakwater/core";
import { type ServiceHttp, startServiceHttp } from "@breakwater/telemetry";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { researcherRoutes } from "./http-routes.js";
import { openApiDocument } from "./openapi.js";
import { EXAMPLE_NOW, exampleState, operationExamples } from "./openapi-examples.js";

// Every operation of the served document carries examples (each parameter, the request body,
// the 200 and the 400 answer); each validates against its schema; and each answer is what the
// HTTP routes really send for the example request, on the state the examples were computed on.

interface Media {
  schema: Record<string, unknown>;
  examples?: Record<string, { summary: string; value: unknown }>;
}
interface Operation {
  operationId: string;
  parameters?: { name: string; schema: Record<string, unknown>; example?: unknown }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

const doc = openApiDocument() as Doc;
const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ path, method, op })),
);

/** A validator for a schema of the document (its `#/components/...` references resolved). */
function validatorOf(ajv: Ajv2020, schema: Record<string, unknown>) {
  const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/');
  return ajv.compile(JSON.parse(text) as Record<string, unknown>);
}

describe("the OpenAPI document's examples", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: "openapi", components: doc.components });

  it("default: every operation has parameter, request body, 200 and 400 examples", () => {
    expect(operations.length).toBe(10);
    for (const { path, op } of operations) {
      for (const p of op.parameters ?? []) expect(p.example, `${path} ${p.name}`).toBeDefined();
      if (op.requestBody)
        expect(Object.keys(op.requestBody.content["application/json"]!.examples ?? {}), path).not.toEqual([]);
      for (const status of ["200", "400"])
        expect(
          Object.keys(op.responses[status]?.content?.["application/json"]?.examples ?? {}),
          `${path} ${status}`,
        ).not.toEqual([]);
    }
  });

  it("behavior: every example validates against its schema", () => {
    const problems: string[] = [];
    const check = (where: string, schema: Record<string, unknown>, value: unknown) => {
      const validate = validatorOf(ajv, schema);
      if (!validate(value)) problems.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    };
    for (const { path, op } of operations) {
      for (const p of op.parameters ?? []) check(`${path} ?${p.name}`, p.schema, p.example);
      const medias: [string, Media][] = [
        ...(op.requestBody
          ? [["request", op.requestBody.content["application/json"]!] as [string, Media]]
          : []),
        ...Object.entries(op.responses).flatMap(([status, r]) =>
          r.content ? [[status, r.content["application/json"]!] as [string, Media]] : [],
        ),
      ];
      for (const [where, media] of medias)
        for (const [name, ex] of Object.entries(media.examples ?? {}))
          check(`${path} ${where} ${name}`, media.schema, ex.value);
    }
    expect(problems).toEqual([]);
  });

  it("behavior: the validation can fail (an answer missing a required field is refused)", () => {
    const history = doc.paths["/v1/history"]!["get"]!.responses["200"]!.content!["application/json"]!;
    const validate = validatorOf(ajv, history.schema);
    const { nextCursor: _, ...withoutCursor } = history.examples!["example"]!.value as Record<
      string,
      unknown
    >;
    expect(validate(withoutCursor)).toBe(false);
  });

  it("behavior: the history example's cursor is one the service accepts, carrying the example's query", () => {
    const ex = operationExamples()["/v1/history"]!;
    const q = historyQueryOf({ cursor: String(ex.otherParams!["cursor"]) });
    expect(q).toMatchObject({
      fromMs: Date.parse(String(ex.params["from"])),
      toMs: Date.parse(String(ex.params["to"])),
      kinds: ["snapshot", "signal"],
      limit: 2,
    });
  });

  describe("the HTTP routes answer the example requests with the examples", () => {
    let http: ServiceHttp;
    beforeAll(async () => {
      http = await startServiceHttp({
        host: "127.0.0.1",
        port: 0,
        notReadyReason: () => undefined,
        routes: researcherRoutes({
          state: exampleState(),
          notReadyReason: () => undefined,
          clock: () => EXAMPLE_NOW,
        }),
      });
    });
    afterAll(() => http?.close());

    const call = async (path: string, params: Record<string, string | number>, body?: unknown) => {
      const q = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
      const res = await fetch(`${http.address}${path}${q.size ? `?${q}` : ""}`, {
        signal: AbortSignal.timeout(5_000),
        ...(body === undefined
          ? {}
          : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };

    // the two history routes read the streams (no bus here): their examples are checked by schema above
    const served = Object.entries(operationExamples()).filter(
      ([p]) => p !== "/v1/snapshots" && p !== "/v1/history",
    );

    it("behavior: each 200 example is the route's answer, each 400 example its refusal", async () => {
      expect(served.length).toBe(8);
      for (const [path, ex] of served) {
        expect(await call(path, ex.params, ex.body), path).toEqual({ status: 200, body: ex.answer });
        expect(await call(path, ex.badParams, ex.badBody), path).toEqual({ status: 400, body: ex.refusal });
      }
      // the examples carry real figures: ETH on both chains at 2000 and 2001.5
      const exposure = operationExamples()["/v1/exposure"]!.answer as {
        rows: unknown[];
        referencePrices: Record<string, string>;
      };
      expect(exposure.rows).toHaveLength(2);
      expect(exposure.referencePrices["ETH"]).toMatch(/^200[01]/);
    });
  });
});
