import { serverHelloCases } from './cases/server-hello.js';
import { catalogue } from './harness.js';

catalogue(serverHelloCases);
