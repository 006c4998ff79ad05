/**
 * puretls/roots/mozilla: the bundled trust store, Mozilla NSS's TLS server
 * roots with their labels and distrust-after dates, as data (about 190 KiB).
 *
 * The engine imports this module only when a connection has no `ca` and no
 * other `roots` (TrustStore.loadMozilla()), so code that brings its own roots
 * never loads it. Import it yourself where dynamic import is unavailable or
 * a single bundle is wanted, and install it:
 *
 *   import * as mozilla from 'puretls/roots/mozilla';
 *   TrustStore.mozilla(mozilla);
 */
export { MOZILLA_ROOTS, MOZILLA_ROOTS_ORIGIN, MOZILLA_ROOTS_SOURCE, type RootEntry } from '../verify/mozilla-roots.js';
