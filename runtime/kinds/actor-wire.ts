// Headers of daprd's actor protocol, shared by the actor trigger and the actor-call input and effect.

/** The header daprd turns into an actor error: the caller gets the app's 200, headers and body verbatim (.NET's convention). */
export const actorErrorHeader = "X-Daprerrorresponseheader";
/** The header that carries a reentrant call chain (daprd mints it for the first call when reentrancy is on). */
export const reentrancyHeader = "Dapr-Reentrancy-Id";
