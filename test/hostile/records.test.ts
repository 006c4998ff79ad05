import { recordCases } from './cases/records.js';
import { catalogue } from './harness.js';

catalogue(recordCases);
