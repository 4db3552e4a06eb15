// The workflows the worker registers, each exported by name.
export { pipeWorkflow } from './pipe.js';
export { resyncWorkflow } from './resync.js';
