// The workflows the worker registers, each exported by name.
export { pipeWorkflow } from './pipe.js';
export { resyncWorkflow } from './resync.js';
export { validateWorkflow } from './validate.js';
export { repairWorkflow } from './repair.js';
