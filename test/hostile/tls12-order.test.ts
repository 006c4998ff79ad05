/**
 * The TLS 1.2 hostile catalogue, messages out of order (docs/hostile.md has the matrix).
 */
import { tls12OrderCases } from './cases/tls12-order.js';
import { catalogue } from './harness.js';

catalogue(tls12OrderCases);
