import { daprdPath } from "./daprd-path.ts";
import type { EffectKind } from "./effect.ts";
import { type FamilyHandler, familyJobName } from "./schedule-job.ts";

export interface DeleteJob {
  kind: "deleteJob";
  name: string;
}

/**
 * Deletes a Dapr job, by name or as a family's job for `key`; a job that does not exist (fired
 * already, never scheduled) is no error (daprd answers 204).
 * @example deleteJob(onShipmentLate, data.orderId)
 */
export function deleteJob(family: FamilyHandler, key: string): DeleteJob;
export function deleteJob(name: string): DeleteJob;
export function deleteJob(target: string | FamilyHandler, key?: string): DeleteJob {
  return { kind: "deleteJob", name: typeof target === "string" ? target : familyJobName(target, key ?? "") };
}

export const deleteJobKind: EffectKind<DeleteJob> = {
  kind: "deleteJob",
  describe: (e) => `deleteJob ${e.name}`,
  sidecar: {
    api: "jobs.delete",
    call: (e) => ({ api: "jobs.delete", method: "DELETE", path: daprdPath("jobs", { name: e.name }) }),
    span: (e) => ({ name: `deleteJob ${e.name}`, kind: "client", attributes: { "dapr.job.name": e.name } }),
    example: deleteJob("shipment-late-order-1"),
  },
};
