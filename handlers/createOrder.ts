import { defineHandler, invoke, publish, reply, saveState } from "daprlet";
import { Order, orderKey } from "./lib/order.ts";
import { writeReceipt } from "./lib/receipt.ts";

/** POST /orders: store the order, announce it on `orders`, write its receipt; 202 Accepted. */
export const createOrder = defineHandler({
  trigger: invoke("POST", "/orders"),
  schema: Order,
  handle: ({ data: order }) => {
    const receipt = `Receipt for ${order.orderId}\namount: ${order.amount}\n`;
    return [
      saveState("statestore", orderKey(order.orderId), order),
      publish("pubsub", "orders", order),
      writeReceipt(`${order.orderId}.txt`, receipt),
      reply(202, { orderId: order.orderId, status: "accepted" }),
    ];
  },
});
