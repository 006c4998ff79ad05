import { orderCases } from './cases/order.js';
import { catalogue } from './harness.js';

catalogue(orderCases);
