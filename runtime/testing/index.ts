// daprlet's testing kit: build what daprd sends, run handlers through the runtime's own logic,
// fake the sidecar's HTTP API, and record/replay real deliveries.

export { createRecorder, fromRecording, type Recording, readRecording, toRecording } from "../observe/record.ts";
export * from "./builders.ts";
export {
  type ActorCall,
  type ActorCallback,
  type AppAnswer,
  type AppRoute,
  type ConfigurationSeed,
  createFakeSidecar,
  type Failure,
  type FakeSidecar,
  type Invocation,
  type Operation,
  type Published,
} from "./fake-sidecar.ts";
export { callHandle } from "./handle.ts";
export { type RunResult, runHandler, testApp } from "./run.ts";
export {
  type ActivityScript,
  describeEvent,
  eventsOf,
  fetchHistory,
  type HistoryEvent,
  type Recording as WorkflowRecording,
  readWorkflowRecording,
  replayHistory,
  runActivity,
  runWorkflow,
  toRecording as toWorkflowRecording,
  type WorkflowRun,
  type WorkflowScript,
} from "./workflow.ts";
