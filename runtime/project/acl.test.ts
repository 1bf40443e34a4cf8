import { describe, expect, it } from "vitest";
import { type AccessControlSpec, aclAllows, normalizeOperation } from "./acl.ts";

// How daprd 1.18 matches an invocation against the called app's policy (pkg/acl/acl.go,
// pkg/config/acl_trie.go). The generator and `npm run check` rely on each of these. The trie
// cases were checked against acl_trie.go of dapr v1.18.2 itself (its Search, compiled alone).
const ingress = { appId: "ingress-nginx", namespace: "ingress-nginx", trustDomain: "public" };
const spec = (operations: { name: string; httpVerb: string[] }[]): AccessControlSpec => ({
  defaultAction: "deny",
  trustDomain: "public",
  policies: [{ ...ingress, defaultAction: "deny", operations: operations.map((o) => ({ ...o, action: "allow" })) }],
});

describe("aclAllows, as daprd's access control matches", () => {
  const orders = spec([{ name: "/orders", httpVerb: ["POST"] }]);

  it.each([
    ["POST", "/orders", true],
    ["PUT", "/orders", false], // the verb is part of the match
    ["POST", "orders", true], // daprd prepends the missing slash (the HTTP API passes `orders`)
    ["POST", "/ORDERS", true], // HTTP apps: case-insensitive
    ["POST", "//orders/", true], // duplicate and trailing slashes normalised away
    ["POST", "/orders/1/cancel", true], // a name without `/*` is a prefix: it covers every path below it
    ["POST", "/order", false],
    ["POST", "/inventory/sku-1", false], // no entry: the policy's default action (deny)
  ])("/orders POST: %s %s → %s", (method, path, allowed) => {
    expect(aclAllows(orders, ingress, method, path)).toBe(allowed);
  });

  it("matches `/*` to exactly one segment, and to the bare prefix", () => {
    const stock = spec([{ name: "/inventory/*", httpVerb: ["PUT"] }]);
    expect(aclAllows(stock, ingress, "PUT", "/inventory/sku-1")).toBe(true);
    expect(aclAllows(stock, ingress, "PUT", "/inventory")).toBe(true);
    expect(aclAllows(stock, ingress, "PUT", "/inventory/sku-1/reserve")).toBe(false);
  });

  it("skips `/*` before the last segment; an in-segment `***` matches exactly one segment there", () => {
    const star = spec([{ name: "/inventory/*/reserve", httpVerb: ["POST"] }]);
    expect(aclAllows(star, ingress, "POST", "/inventory/sku-1/reserve")).toBe(false);
    const stars = spec([{ name: "/inventory/***/reserve", httpVerb: ["POST"] }]);
    expect(aclAllows(stars, ingress, "POST", "/inventory/sku-1/reserve")).toBe(true);
    expect(aclAllows(stars, ingress, "POST", "/inventory/a/b/reserve")).toBe(false);
    expect(aclAllows(stars, ingress, "POST", "/inventory/reserve")).toBe(false);
    expect(aclAllows(stars, ingress, "POST", "/inventory/sku-1")).toBe(false);
  });

  it("matches `/**` to any depth, and `*` inside a segment to any characters", () => {
    expect(aclAllows(spec([{ name: "/admin/**", httpVerb: ["GET"] }]), ingress, "GET", "/admin/a/b/c")).toBe(true);
    expect(aclAllows(spec([{ name: "/v*/orders", httpVerb: ["GET"] }]), ingress, "GET", "/v2/orders")).toBe(true);
  });

  it("accepts a `*` verb for any method", () => {
    expect(aclAllows(spec([{ name: "/orders", httpVerb: ["*"] }]), ingress, "DELETE", "/orders")).toBe(true);
  });

  it("applies the global default to a caller without a policy, or from another namespace or trust domain", () => {
    expect(aclAllows(orders, { ...ingress, appId: "order-service" }, "POST", "/orders")).toBe(false);
    expect(aclAllows(orders, { ...ingress, namespace: "daprlet" }, "POST", "/orders")).toBe(false);
    expect(aclAllows(orders, { ...ingress, trustDomain: "cluster.local" }, "POST", "/orders")).toBe(false);
    expect(aclAllows({ ...orders, defaultAction: "allow" }, { ...ingress, appId: "other" }, "PUT", "/x")).toBe(true);
  });
});

describe("normalizeOperation", () => {
  it("resolves dot segments and lowercases", () => {
    expect(normalizeOperation("/Orders/./a/../b//")).toBe("/orders/b");
  });
});
