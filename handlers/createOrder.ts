import { defineHandler, invoke, invokeBinding, publish, reply, saveState } from "daprlet";
import { Order, orderKey } from "./lib/order.ts";

/** POST /orders: store the order, announce it on `orders`, write its receipt; 202 Accepted. */
export const createOrder = defineHandler({
  trigger: invoke("POST", "/orders"),
  schema: Order,
  handle: ({ data: order }) => {
    const receipt = `Receipt for ${order.orderId}\namount: ${order.amount}\n`;
    return [
      saveState("statestore", orderKey(order.orderId), order),
      publish("pubsub", "orders", order),
      // Sent as base64: bindings.localstorage (and S3/Azure Blob with decodeBase64: "true") store
      // the decoded bytes, so the file holds exactly this text whatever it looks like.
      invokeBinding("receipts", "create", Buffer.from(receipt).toString("base64"), { fileName: `${order.orderId}.txt` }),
      reply(202, { orderId: order.orderId, status: "accepted" }),
    ];
  },
});
