// The pin range: how many workers a pin (PUT /v1/pools/{pool}/pin, or `threads:` in the
// config file) may fix a pool at. The one definition; http, config and the engine check it here.

/** A pin is a whole number of workers in [1, 4096]. */
export const PIN_RANGE = { min: 1, max: 4096 } as const;

/** `[1, 4096]`, for error messages. */
export const PIN_RANGE_TEXT = `[${PIN_RANGE.min}, ${PIN_RANGE.max}]`;

export function isPinSize(size: unknown): size is number {
  return typeof size === 'number' && Number.isInteger(size) && size >= PIN_RANGE.min && size <= PIN_RANGE.max;
}
