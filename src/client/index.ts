// The client's public entry: `import { SidecarClient } from 'adaptive-threads/client'` (package.json `exports`).
export { DEFAULT_BASE_URL, SidecarClient } from './client.js';
export type * from './types.js';
