/**
 * The hostile-server catalogue, part 2: ServerHello and HelloRetryRequest,
 * extensions, authentication, resumption, post-handshake messages and alerts
 * (docs/hostile.md lists every case).
 */
import { authCases } from './cases/auth.js';
import { extensionCases } from './cases/extensions.js';
import { postHandshakeCases } from './cases/post-handshake.js';
import { resumptionCases } from './cases/resumption.js';
import { serverHelloCases } from './cases/server-hello.js';
import { catalogue } from './harness.js';

catalogue([...serverHelloCases, ...extensionCases, ...authCases, ...resumptionCases, ...postHandshakeCases]);
