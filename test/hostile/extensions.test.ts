import { extensionCases } from './cases/extensions.js';
import { catalogue } from './harness.js';

catalogue(extensionCases);
