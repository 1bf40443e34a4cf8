// A stand-in for daprd that answers at once, as daprd does: 204 to a state save, 204 (no such key) to
// a state read (daprlet reads its applied-record first; a 200 `{}` there is a record it cannot trust,
// logged on every delivery), the fixture's components to GET /v1.0/metadata (daprlet reads the
// store's type there: an unknown type is taken for one without atomic transactions, and the
// applied-record is then written on its own after the save), 200 `{}` to anything else.
// Measures the app's cost of an effect, not a store's.
import { createServer } from "node:http";

// bench/fixture/save-state/components/: what daprd's metadata lists for it.
const metadata = JSON.stringify({
  components: [
    { name: "statestore", type: "state.in-memory", version: "v1" },
    { name: "pubsub", type: "pubsub.in-memory", version: "v1" },
  ],
});

createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (req.url?.startsWith("/v1.0/state/") && (req.method === "POST" || req.method === "GET")) {
      return void res.writeHead(204).end();
    }
    const body = req.url === "/v1.0/metadata" ? metadata : "{}";
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
}).listen(Number(process.env.APP_PORT ?? 3500), "127.0.0.1");
