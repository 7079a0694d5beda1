export * from './tenant.js';
export * from './resources.js';
export * from './search.js';
export * from './access.js';
