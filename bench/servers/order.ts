// What every server in the bench validates: the same valibot schema as the daprlet fixture's handler.
import * as v from "valibot";

export const Order = v.object({ orderId: v.string(), amount: v.number() });

/** The state call a delivery makes in the saveState variant: the same item from every server. */
export const stateItem = (order: v.InferOutput<typeof Order>) => [{ key: `order-${order.orderId}`, value: order }];

/** Ports and switches the orchestrator passes to each server. */
export const serverEnv = {
  port: Number(process.env.APP_PORT ?? 3000),
  daprPort: process.env.DAPR_HTTP_PORT ?? "3500",
  saveState: process.env.BENCH_SAVE_STATE === "1",
};
