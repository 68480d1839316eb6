export * from './problem.js';
export * from './health.js';
export * from './pagination.js';
export * from './queues.js';
export * from './auth.js';
export * from './logs.js';
export * from './workflow-definition.js';
export * from './workflows.js';
