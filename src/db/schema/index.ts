export * from './tenant.js';
export * from './resources.js';
