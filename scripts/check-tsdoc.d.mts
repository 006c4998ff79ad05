/**
 * Every exported declaration in src/**\/*.ts without a TSDoc block right above it,
 * as `path:line name` entries (see scripts/check-tsdoc.mjs).
 */
export function findUndocumented(root?: string): string[];
