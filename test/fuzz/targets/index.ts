/** Every fuzz target, by name (regressions.test.ts dispatches on it). */
import type { Target } from '../harness.js';
import { clientTargets } from './client.js';
import { codecTargets } from './codecs.js';
import { codec12Targets } from './codecs12.js';

export const ALL_TARGETS: ReadonlyMap<string, Target<never>> = new Map(
  [...codecTargets, ...codec12Targets, ...clientTargets].map((t) => [t.name, t]),
);
