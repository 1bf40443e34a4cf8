// daprd's access-control matching, as the called app's sidecar applies it (dapr/dapr
// pkg/acl/acl.go `IsOperationAllowedByAccessControlPolicy`, pkg/config/acl_trie.go), so the
// generated policy can be checked against every call the handlers make before a cluster sees it.

/** One `spec.accessControl.policies[].operations[]` entry. */
export interface AclOperation {
  name: string;
  httpVerb: string[];
  action: "allow" | "deny";
}

/** One `spec.accessControl.policies[]` entry: what one calling app may do. */
export interface AclPolicy {
  appId: string;
  namespace: string;
  trustDomain: string;
  defaultAction: "allow" | "deny";
  operations: AclOperation[];
}

/** `spec.accessControl` of the called app's Configuration. */
export interface AccessControlSpec {
  defaultAction: "allow" | "deny";
  trustDomain: string;
  policies: AclPolicy[];
}

/** The calling sidecar, as its mTLS certificate's SPIFFE id names it: `spiffe://<trustDomain>/ns/<namespace>/<appId>`. */
export interface Caller {
  appId: string;
  namespace: string;
  trustDomain: string;
}

interface Node {
  char: string;
  data?: AclOperation;
  children: Node[];
}

/**
 * The method path as daprd matches it: purell's "usually safe, greedy" normalisation (duplicate
 * and trailing slashes removed, `.`/`..` resolved), a leading `/`, and lower case for HTTP apps.
 */
export function normalizeOperation(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`.toLowerCase();
}

/** `*` inside a segment matches any run of characters (acl_trie.go `isMatch`). */
const segmentMatches = (target: string, pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "s").test(target);

function findChild(node: Node, char: string, isEnd: boolean): Node | undefined {
  for (const child of node.children) {
    if (child.char === char) return child;
    if (child.char === "/*") {
      if (isEnd) return child;
      continue;
    }
    if (child.char === "/**") return child;
    if (segmentMatches(char, child.char)) return child;
  }
  return undefined;
}

/** The operation trie daprd builds from a policy's operations (the first entry for a name wins). */
function buildTrie(operations: AclOperation[]): Node {
  const root: Node = { char: "/", children: [] };
  for (const op of operations) {
    const parts = (op.name.startsWith("/") ? op.name : `/${op.name}`).toLowerCase().split("/");
    let node = root;
    for (let i = 1; i < parts.length; i++) {
      const char = `/${parts[i]}`;
      let child = node.children.find((c) => c.char === char);
      if (!child) {
        child = { char, children: [] };
        node.children.push(child);
      }
      if (i === parts.length - 1) child.data ??= op;
      node = child;
    }
  }
  return root;
}

/**
 * The operation entry daprd applies to a method path. An entry matches its own path and, unless it
 * ends in `/*`, every path below it: `/orders` also covers `/orders/1/cancel`.
 */
function searchTrie(root: Node, operation: string): AclOperation | undefined {
  const parts = operation.split("/");
  let node: Node | undefined = root;
  for (let i = 1; i < parts.length; i++) {
    const isEnd = i === parts.length - 1;
    node = findChild(node, `/${parts[i]}`, isEnd);
    if (!node) return undefined;
    if (node.data) {
      if (!isEnd && node.char.endsWith("/*") && !node.char.endsWith("/**")) continue;
      return node.data;
    }
    if (isEnd) {
      const wildcard = findChild(node, "/*", true);
      if (wildcard?.data) return wildcard.data;
    }
  }
  return undefined;
}

/** Whether the called app's sidecar lets `caller` invoke `method path` (HTTP app, mTLS on). */
export function aclAllows(spec: AccessControlSpec, caller: Caller, method: string, path: string): boolean {
  let action = spec.defaultAction;
  const policy = spec.policies.find((p) => p.appId === caller.appId && p.namespace === caller.namespace);
  if (!policy || policy.trustDomain !== caller.trustDomain) return action === "allow";
  action = policy.defaultAction || action;
  const op = searchTrie(buildTrie(policy.operations), normalizeOperation(path));
  if (op)
    action = (op.httpVerb.includes(method.toUpperCase()) ? op.action : op.httpVerb.includes("*") ? op.action : action) as typeof action;
  return action === "allow";
}
