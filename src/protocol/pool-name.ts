// Pool names appear in URLs, metric labels and file names, so they stay plain. The one
// definition of what a pool may be called: config, http and the file actuator check it here.

/** As a JSON Schema `pattern` (the config file's schema and its reference quote it). */
export const POOL_NAME_PATTERN = '^[a-z0-9_-]{1,64}$';

const POOL_NAME = new RegExp(POOL_NAME_PATTERN);

export function isPoolName(name: unknown): name is string {
  return typeof name === 'string' && POOL_NAME.test(name);
}
