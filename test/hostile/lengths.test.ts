import { lengthCases } from './cases/lengths.js';
import { catalogue } from './harness.js';

catalogue(lengthCases);
