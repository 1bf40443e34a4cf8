import { defineHandler, invoke, invokeBinding, publish, reply, saveState } from "daprlet";
import { Order, orderKey } from "./lib/order.ts";

const receiptName = (name: string) => ({ fileName: name, key: name, blobName: name });

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
      // the decoded bytes, so the file holds exactly this text whatever it looks like. The name in
      // each storage binding's key: localstorage `fileName`, S3 `key`, Azure Blob `blobName`
      // (the others ignore it, or Azure keeps it as blob metadata), so any profile can hold receipts.
      invokeBinding("receipts", "create", Buffer.from(receipt).toString("base64"), receiptName(`${order.orderId}.txt`)),
      reply(202, { orderId: order.orderId, status: "accepted" }),
    ];
  },
});
