import { invokeBinding } from "daprlet";
import { callHandle } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { sendShipmentReceipt } from "./sendShipmentReceipt.ts";

describe("sendShipmentReceipt", () => {
  it("writes the shipping receipt, named after the order, through the receipts binding", async () => {
    const text = "Shipped: order o-1\nat: 2026-03-01T12:00:00Z\n";
    const name = "shipment-o-1.txt";
    expect(await callHandle(sendShipmentReceipt, { orderId: "o-1" }, { event: { time: "2026-03-01T12:00:00Z" } })).toEqual([
      invokeBinding("receipts", "create", Buffer.from(text).toString("base64"), { fileName: name, key: name, blobName: name }),
    ]);
  });

  it("refuses an order id that is no file name (its schema), before handle runs", async () => {
    await expect(callHandle(sendShipmentReceipt, { orderId: "../etc" })).rejects.toThrow(/schema rejects/);
  });
});
