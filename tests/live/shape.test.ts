/**
 * The shape recorder on answers written by hand: fields and their JSON types per object kind, statuses,
 * endpoints with ids replaced, error codes — and never a value.
 */
import { endpointOf, OBJECT_KINDS, ShapeRecorder, summarize, type RawAnswer } from "./shape";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const PCAP = "fedcba9876543210fedcba9876543210";

function answer(method: string, path: string, status: number, body: unknown): RawAnswer {
  return { method, path, status, contentType: "application/json", body: JSON.stringify(body) };
}

function ok(result: unknown) {
  return { success: true, errors: [], messages: [], result };
}

it("names endpoints by their templates, ids replaced", () => {
  const base = `/accounts/${ACCOUNT}/pcaps`;
  expect(endpointOf("GET", base)).toEqual({ endpoint: "GET /pcaps", result: "capture" });
  expect(endpointOf("GET", `${base}/${PCAP}`)).toEqual({
    endpoint: "GET /pcaps/{pcap_id}",
    result: "capture",
  });
  expect(endpointOf("GET", `${base}/${PCAP}/download`).endpoint).toBe("GET /pcaps/{pcap_id}/download");
  expect(endpointOf("PUT", `${base}/${PCAP}/stop`).endpoint).toBe("PUT /pcaps/{pcap_id}/stop");
  expect(endpointOf("POST", `${base}/ownership/validate`)).toEqual({
    endpoint: "POST /pcaps/ownership/validate",
    result: "ownership",
  });
  expect(endpointOf("DELETE", `${base}/ownership/${PCAP}`)).toEqual({
    endpoint: "DELETE /pcaps/ownership/{ownership_id}",
    result: "none",
  });
  expect(endpointOf("GET", `/accounts/${ACCOUNT}/other?x=1`).endpoint).toBe("GET /accounts/{id}/other");
});

it("records each capture type's fields and types, nested ones dotted, and statuses in first-seen order", () => {
  const recorder = new ShapeRecorder();
  const path = `/accounts/${ACCOUNT}/pcaps`;
  recorder.observe(
    answer(
      "GET",
      path,
      200,
      ok([
        { id: PCAP, type: "simple", status: "pending", time_limit: 2, filter_v1: { protocol: 6 } },
        { id: PCAP, type: "full", status: "running", packets_captured: 3, extra: [{ kind: "x" }, 1] },
      ]),
    ),
  );
  recorder.observe(
    answer("GET", `${path}/${PCAP}`, 200, ok({ id: PCAP, type: "simple", status: "complete" })),
  );
  const report = recorder.report({ target: "emulator", baseUrl: "http://x", scenarios: {}, cleanup: [] });

  expect(report.objects[OBJECT_KINDS.simpleCapture]).toEqual({
    seen: 2,
    endpoints: ["GET /pcaps", "GET /pcaps/{pcap_id}"],
    fields: {
      filter_v1: ["object"],
      "filter_v1.protocol": ["number"],
      id: ["string"],
      status: ["string"],
      time_limit: ["number"],
      type: ["string"],
    },
    statuses: ["pending", "complete"],
  });
  expect(report.objects[OBJECT_KINDS.fullCapture].fields).toEqual({
    extra: ["array"],
    "extra[]": ["number", "object"],
    "extra[].kind": ["string"],
    id: ["string"],
    packets_captured: ["number"],
    status: ["string"],
    type: ["string"],
  });
  // The envelope's result is the objects' business: only its type is recorded there.
  expect(report.objects[OBJECT_KINDS.successEnvelope].fields.result).toEqual(["array", "object"]);
  expect(report.objects[OBJECT_KINDS.successEnvelope].fields).not.toHaveProperty(["result[]"]);
  expect(JSON.stringify(report)).not.toContain(PCAP);
  expect(JSON.stringify(report)).not.toContain(ACCOUNT);
});

it("records error envelopes with their codes, ownerships, and answers without a JSON body", () => {
  const recorder = new ShapeRecorder();
  const base = `/accounts/${ACCOUNT}/pcaps`;
  recorder.observe(
    answer("GET", `${base}/${PCAP}`, 404, {
      success: false,
      errors: [{ code: 1300, message: "not found" }],
      messages: [],
      result: null,
    }),
  );
  recorder.observe(
    answer("POST", `${base}/ownership`, 200, ok({ id: PCAP, status: "pending", validated: "" })),
  );
  recorder.observe({
    method: "DELETE",
    path: `${base}/ownership/${PCAP}`,
    status: 204,
    contentType: undefined,
  });
  recorder.observe({ ...answer("GET", base, 502, {}), body: "<html>bad gateway</html>" });
  const report = recorder.report({
    target: "live",
    baseUrl: "https://x",
    scenarios: { a: "passed" },
    cleanup: [],
  });

  expect(report.objects[OBJECT_KINDS.errorEnvelope].fields).toMatchObject({
    "errors[]": ["object"],
    "errors[].code": ["number"],
    result: ["null"],
  });
  expect(report.endpoints["GET /pcaps/{pcap_id}"]).toEqual({
    answers: 1,
    httpStatuses: [404],
    contentTypes: ["application/json"],
    errorCodes: [1300],
  });
  expect(report.objects[OBJECT_KINDS.ownership]).toMatchObject({ seen: 1, statuses: ["pending"] });
  expect(report.endpoints["DELETE /pcaps/ownership/{ownership_id}"].contentTypes).toEqual(["(none)"]);
  expect(report.endpoints["GET /pcaps"].contentTypes).toEqual(["application/json", "(body is not JSON)"]);
  expect(summarize(report)).toContain("GET /pcaps/{pcap_id}: HTTP 404 codes 1300");
});
