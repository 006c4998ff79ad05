import { transportCases } from './cases/transport.js';
import { catalogue } from './harness.js';

catalogue(transportCases);
