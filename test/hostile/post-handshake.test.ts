import { postHandshakeCases } from './cases/post-handshake.js';
import { catalogue } from './harness.js';

catalogue(postHandshakeCases);
