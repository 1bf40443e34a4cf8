import { invokeBinding } from "daprlet";

/**
 * Writes a receipt through the `receipts` binding. Sent as base64: bindings.localstorage (and
 * S3/Azure Blob with decodeBase64: "true") store the decoded bytes, so the file holds exactly this
 * text whatever it looks like. The name goes in each storage binding's key: localstorage
 * `fileName`, S3 `key`, Azure Blob `blobName` (the others ignore it, or Azure keeps it as blob
 * metadata), so any profile can hold receipts.
 */
export const writeReceipt = (name: string, text: string) =>
  invokeBinding("receipts", "create", Buffer.from(text).toString("base64"), { fileName: name, key: name, blobName: name });
