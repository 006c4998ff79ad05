/**
 * The hostile-server catalogue for TLS 1.2 (docs/hostile.md lists every case).
 */
import { tls12AfterCases, tls12FlowCases } from './cases/tls12-flow.js';
import { tls12AuthCases, tls12HelloCases } from './cases/tls12-hello.js';
import { catalogue } from './harness.js';

catalogue([...tls12HelloCases, ...tls12AuthCases, ...tls12FlowCases, ...tls12AfterCases]);
