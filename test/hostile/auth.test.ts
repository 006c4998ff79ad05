import { authCases } from './cases/auth.js';
import { catalogue } from './harness.js';

catalogue(authCases);
