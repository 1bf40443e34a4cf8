import { describe, expect, it } from "vitest";
import { checkedHeaders, daprdPath, methodPath, segments, UnsafeValue } from "./daprd-path.ts";

const refusal = (build: () => unknown) => {
  try {
    build();
  } catch (error) {
    return error instanceof UnsafeValue ? error.message : `not an UnsafeValue: ${error}`;
  }
  return "not refused";
};

describe("daprdPath", () => {
  it("encodes each named value as one segment, `/` and `%` included", () => {
    expect(daprdPath("state", { store: "statestore" }, { key: "a/b %2e%2e?x#y" })).toBe("/state/statestore/a%2Fb%20%252e%252e%3Fx%23y");
  });
  it("keeps numbers (JSON ids) and literal segments", () => {
    expect(daprdPath("state", { store: "s" }, { key: 42 }, "bulk")).toBe("/state/s/42/bulk");
  });
  it.each([
    ["..", 'key ".." is a dot segment'],
    [".", 'key "." is a dot segment'],
    ["", 'key "" is empty'],
    ["a\nb", 'key "a\\nb" contains a control character'],
    ["\u007f", 'key "\u007f" contains a control character'],
    [undefined, "key undefined is a undefined, not a string"],
    [null, "key null is a null, not a string"],
  ])("refuses %j as a segment, saying which field and why", (value, message) => {
    expect(refusal(() => daprdPath("state", { store: "s" }, { key: value }))).toBe(message);
  });
  it("lets a topic hold `/` but refuses its dot and empty segments", () => {
    expect(daprdPath("publish", { pubsub: "p" }, segments("topic", "a/b c"))).toBe("/publish/p/a/b%20c");
    expect(refusal(() => daprdPath("publish", { pubsub: "p" }, segments("topic", "../../state/statestore")))).toBe(
      'topic "../../state/statestore" has a segment that is a dot segment',
    );
    expect(refusal(() => daprdPath("publish", { pubsub: "p" }, segments("topic", "a//b")))).toBe('topic "a//b" has an empty segment');
  });
});

describe("methodPath", () => {
  it("drops leading slashes, encodes each segment and keeps the query", () => {
    expect(methodPath("path", "/stock/sku 1?warehouse=a&x=%20")).toBe("stock/sku%201?warehouse=a&x=%20");
  });
  it("refuses the exfiltration path of the security report", () => {
    expect(refusal(() => methodPath("path", "/stock/../../../../secrets/secretstore/daprlet-app-token"))).toBe(
      'path "/stock/../../../../secrets/secretstore/daprlet-app-token" has a segment that is a dot segment',
    );
  });
  it("refuses an empty path, a trailing empty segment and control characters in the query", () => {
    expect(refusal(() => methodPath("path", "/"))).toBe('path "/" has an empty segment');
    expect(refusal(() => methodPath("path", "/a/"))).toBe('path "/a/" has an empty segment');
    expect(refusal(() => methodPath("path", "/a?b=\r\n"))).toBe(`path "/a?b=\\r\\n" has a control character or '#' in its query`);
  });
});

describe("checkedHeaders", () => {
  it("passes valid headers and refuses CR/LF in a value or a bad name", () => {
    expect(checkedHeaders("headers", { "x-api-key": "k\tv" })).toEqual({ "x-api-key": "k\tv" });
    expect(refusal(() => checkedHeaders("headers", { "x-user": "a\r\nx-admin: 1" }))).toBe(
      'headers.x-user "a\\r\\nx-admin: 1" is not a valid header (a string without control characters)',
    );
    expect(refusal(() => checkedHeaders("headers", { "bad name": "v" }))).toMatch(/^headers.bad name/);
  });
});
