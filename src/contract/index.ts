// The contract between the client, the workflows and the activities: the
// messages a pipe understands and the data that crosses Temporal. It imports
// only the pure model (src/pipe), so every layer may import it.
export * from './messages.js';
export type * from './workflow-io.js';
export type * from './activity-io.js';
export type * from './validation-io.js';
export type * from './sinks.js';
