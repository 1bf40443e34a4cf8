import * as v from "valibot";

/** What `stock-<sku>` holds. */
export const Stock = v.object({ available: v.pipe(v.number(), v.integer(), v.minValue(0)) });
export type Stock = v.InferOutput<typeof Stock>;

export const stockKey = (sku: string) => `stock-${sku}`;
