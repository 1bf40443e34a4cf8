import { describe, expect, it } from "vitest";
import { routesOverlap } from "./routes.ts";

const post = (path: string) => ({ method: "POST", path });

describe("routesOverlap", () => {
  it.each([
    ["/job/report", "/job/report", true],
    ["/job/report", "/job/other", false],
    ["/job/:name", "/job/report", true],
    ["/job/late-:key", "/job/late-o-1", true],
    ["/job/late-:key", "/job/late-", false],
    ["/job/late-:key", "/job/late", false],
    ["/job/late-:key", "/job/lateness-:key", false],
    ["/job/late-:key", "/job/late-x-:key", true],
    ["/job/:name", "/job/:name/items", false],
    ["/orders/:id", "/orders/:orderId", true],
    ["/files/*", "/files/a/b", true],
    ["/events/onA", "/events/onB", false],
  ])("%s and %s: %s", (a, b, expected) => {
    expect(routesOverlap(post(a), post(b))).toBe(expected);
    expect(routesOverlap(post(b), post(a))).toBe(expected);
  });

  it("needs the same method, unless one takes every method", () => {
    expect(routesOverlap({ method: "GET", path: "/a" }, { method: "POST", path: "/a" })).toBe(false);
    expect(routesOverlap({ method: "ALL", path: "/a" }, { method: "POST", path: "/a" })).toBe(true);
  });
});
