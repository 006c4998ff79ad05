// The test's wasi:tls 0.3 host: puretls/wasi's client, plus `start`, the
// stand-in this WIT has for the draft's async `connect` (see wit/README.md).
// Imported by the transpiled guest through jco's --map.
import { ClientConnector, WasiTlsError } from '../.build/dist/wasi/index.js';

class Connector extends ClientConnector {
  start(serverName) {
    return ClientConnector.connect(this, serverName).then(
      () => ({ tag: 'ok', val: undefined }),
      (e) => ({ tag: 'err', val: e }),
    );
  }
}

export const client = { Connector };
export const types = { Error: WasiTlsError };
