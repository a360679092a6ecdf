// One ajv instance for every schema (the wire's in src/protocol, the config file's in src/config):
// compiled validators are built once at module load, so validating a sample on the hot
// path is a plain function call.
import { Ajv } from 'ajv';

/**
 * Schemas carry `x-allowed`, a short human phrase of what a key accepts. It is an
 * annotation (no validation): error messages quote it, and the generated config
 * reference can print it next to `description` and `default`.
 */
export const ALLOWED_KEYWORD = 'x-allowed';

export const ajv = new Ajv({
  allErrors: false, // the first error is the one reported; stop there
  strict: true,
  discriminator: true, // actuators: errors come from the branch `type` selects, not from every branch
  useDefaults: false, // defaults are merged in load.ts, so the validated input stays as written
  coerceTypes: false,
});
ajv.addKeyword(ALLOWED_KEYWORD);
