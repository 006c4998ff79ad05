/**
 * The hostile-server catalogue, part 1: the record layer, messages out of
 * order, broken networks (docs/hostile.md lists every case).
 */
import { orderCases } from './cases/order.js';
import { recordCases } from './cases/records.js';
import { transportCases } from './cases/transport.js';
import { catalogue } from './harness.js';

catalogue([...recordCases, ...transportCases, ...orderCases]);
