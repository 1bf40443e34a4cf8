// The public surface of daprlet: what handler files and users' tests import (`from "daprlet"`).

export {
  type Actor,
  type ActorContext,
  type ActorDefinition,
  defineActor,
  type Method,
  type MethodMaker,
  type MethodResult,
} from "./actor.ts";
export { type BlobCreated, BlobNotification } from "./blob-notification.ts";
export type { IdempotencyOptions } from "./define.ts";
export { type AnyHandler, defineHandler, type Handler, type HandlerEvent, type HandlerResult } from "./define.ts";
export type { HandlerDescriptor } from "./descriptor.ts";
export { type ActivityEvent, type ActivityTrigger, activity } from "./kinds/activity.ts";
export type { ActorEvent, ActorSettings, ActorTrigger } from "./kinds/actor.ts";
export { type ActorAnswer, callActor, type InvokeActor, invokeActor } from "./kinds/actor-call.ts";
export { type DeleteReminder, deleteReminder, type Schedule, type SetReminder, setReminder } from "./kinds/actor-reminder.ts";
export { type ActorState, actorState } from "./kinds/actor-state.ts";
export { type DeleteTimer, deleteTimer, type SetTimer, setTimer } from "./kinds/actor-timer.ts";
export { type BindingEvent, type BindingTrigger, binding } from "./kinds/binding.ts";
export { states } from "./kinds/bulk-state-input.ts";
export { type CallAnswer, callApp } from "./kinds/call-app-input.ts";
export {
  type ConfigurationChangedEvent,
  type ConfigurationChangedTrigger,
  configurationChanged,
  configurationItem,
} from "./kinds/configuration-changed.ts";
export { type ConfigurationItem, configuration } from "./kinds/configuration-input.ts";
export { type DeleteJob, deleteJob } from "./kinds/delete-job.ts";
export { type DeleteState, deleteState } from "./kinds/delete-state.ts";
export { type Drop, drop } from "./kinds/drop.ts";
export { describeEffect, type Effect, isEffect } from "./kinds/effects.ts";
export type { Input, Inputs, InputValues } from "./kinds/input.ts";
export { type HttpMethod, type InvokeEvent, type InvokeTrigger, invoke, type ParamKeys } from "./kinds/invoke.ts";
export { type InvokeApp, invokeApp } from "./kinds/invoke-app.ts";
export { type InvokeBinding, invokeBinding } from "./kinds/invoke-binding.ts";
export { type JobEvent, type JobFailurePolicy, type JobOptions, type JobTrigger, job } from "./kinds/job.ts";
export { type JobFamilyEvent, type JobFamilyTrigger, jobFamily } from "./kinds/job-family.ts";
export type { GoDuration, JobDueTime, JobSchedule, JobTiming } from "./kinds/job-schedule.ts";
export { type ManageWorkflow, pauseWorkflow, purgeWorkflow, resumeWorkflow, terminateWorkflow } from "./kinds/manage-workflow.ts";
export type { Block, ComponentName, Components, ExternalTopics, TopicData, TopicName, Topics } from "./kinds/names.ts";
export type { Outcome } from "./kinds/outcome.ts";
export { type Publish, type PublishOptions, publish } from "./kinds/publish.ts";
export { type RaiseWorkflowEvent, raiseWorkflowEvent } from "./kinds/raise-workflow-event.ts";
export { type Reply, reply } from "./kinds/reply.ts";
export { type Retry, retry } from "./kinds/retry.ts";
export { type SaveState, type StateOptions, saveState } from "./kinds/save-state.ts";
export { type FamilyHandler, type ScheduleJob, scheduleJob } from "./kinds/schedule-job.ts";
export { secret } from "./kinds/secret-input.ts";
export { type StartWorkflow, startWorkflow } from "./kinds/start-workflow.ts";
export { type StateValue, state } from "./kinds/state-input.ts";
export { type BulkOptions, type FailureRecord, type TopicEvent, type TopicOptions, type TopicTrigger, topic } from "./kinds/topic.ts";
export { type Transaction, transaction } from "./kinds/transaction.ts";
export { describeTrigger, type Trigger } from "./kinds/triggers.ts";
export type { DaprStatus, Verdict } from "./kinds/verdict.ts";
export type { Answer, WireRequest } from "./kinds/wire.ts";
export { type WorkflowStatus, workflowStatus } from "./kinds/workflow-status-input.ts";
export {
  ActivityDropped,
  ActivityError,
  ActivityFailed,
  type ActivityFailure,
  all,
  any,
  callActivity,
  callChild,
  compensate,
  continueAsNew,
  defineWorkflow,
  type EventResult,
  type RetryPolicy,
  type Step,
  type Steps,
  sleep,
  type Workflow,
  WorkflowCancelled,
  type WorkflowContext,
  waitForEvent,
} from "./workflow/define.ts";
