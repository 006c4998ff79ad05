/**
 * The TLS 1.2 hostile catalogue, lengths that disagree with their container (docs/hostile.md has the table).
 */
import { tls12LengthCases } from './cases/tls12-lengths.js';
import { catalogue } from './harness.js';

catalogue(tls12LengthCases);
