/**
 * One call that readies puretls/wasi for a jco-transpiled wasi:tls 0.3
 * component in a page: it sets the TLS options and the relay, and returns
 * what wiring the component takes in each of jco's output modes. Browser-safe.
 *
 *   // build time:   jco transpile app.wasm -o out ...wasiMapArgs()
 *   // in the page:
 *   import { setupWasi } from 'puretls/wasi';
 *   const wasi = setupWasi({ relay: 'wss://relay.example/tcp/', tls: { ca } });
 *   // ESM output: an import map with wasi.importMap; instantiation output: wasi.imports
 */
import { client, clientTypes } from './client.js';
import { configure, type WasiTlsOptions } from './options.js';
import { configureSockets, ipNameLookup, socketsTypes, type SocketsOptions } from './sockets.js';

/** The WIT interfaces puretls/wasi provides in a page, each with its export name. */
export const WASI_EXPORTS = {
  'wasi:tls/client@0.3.0-draft': 'client',
  'wasi:tls/types@0.3.0-draft': 'clientTypes',
  'wasi:sockets/types@0.3.0': 'socketsTypes',
  'wasi:sockets/ip-name-lookup@0.3.0': 'ipNameLookup',
} as const;

/** The module specifier the maps point at unless told otherwise. */
export const DEFAULT_SPECIFIER = 'puretls/wasi';

/** jco's `map` option: each interface of {@link WASI_EXPORTS} to `specifier#export`. */
export function wasiMap(specifier: string = DEFAULT_SPECIFIER): Record<string, string> {
  return Object.fromEntries(Object.entries(WASI_EXPORTS).map(([wit, name]) => [wit, `${specifier}#${name}`]));
}

/** The same as `jco transpile` arguments: `--map WIT=specifier#export` pairs. */
export function wasiMapArgs(specifier: string = DEFAULT_SPECIFIER): string[] {
  return Object.entries(wasiMap(specifier)).flatMap(([wit, target]) => ['--map', `${wit}=${target}`]);
}

/** The WASI 0.2 modules of preview2-shim that a componentize-qjs guest also imports (cli, clocks, io, ...). */
const PREVIEW2_MODULES = ['cli', 'clocks', 'filesystem', 'http', 'io', 'random', 'sockets'];

/** Settings of {@link setupWasi}. */
export interface WasiSetupOptions extends SocketsOptions {
  /** TLS settings for every connector the component creates (see configure()). */
  tls?: WasiTlsOptions;
  /** The specifier the component was transpiled against (default `puretls/wasi`). */
  specifier?: string;
  /** URL of puretls/wasi's browser build for the import map (default: this module's own URL). */
  moduleUrl?: string;
  /** Base URL of preview2-shim's browser files (`.../preview2-shim/dist/browser/`): adds its modules to the import map. */
  preview2Shim?: string;
}

/** What {@link setupWasi} returns. */
export interface WasiSetup {
  /** jco's `map` option for these interfaces (build time). */
  readonly map: Record<string, string>;
  /** The same as `jco transpile` arguments. */
  readonly mapArgs: string[];
  /** For jco's ESM output: `<script type="importmap">` content resolving the specifier (and preview2-shim). */
  readonly importMap: { imports: Record<string, string> };
  /**
   * For jco's `--instantiation` output: the import object entries, under the
   * mapped specifier and under the unmapped interface names.
   */
  readonly imports: Record<string, object>;
}

/** Sets the TLS options and the relay for later connections, and returns the wiring for jco's output. */
export function setupWasi(options: WasiSetupOptions): WasiSetup {
  const { tls, specifier = DEFAULT_SPECIFIER, moduleUrl, preview2Shim, ...sockets } = options;
  configure(tls ?? {});
  configureSockets(sockets);
  const objects = { client, clientTypes, socketsTypes, ipNameLookup };
  const importMap: Record<string, string> = { [specifier]: moduleUrl ?? import.meta.url };
  if (preview2Shim !== undefined) {
    const base = preview2Shim.endsWith('/') ? preview2Shim : `${preview2Shim}/`;
    for (const m of PREVIEW2_MODULES) importMap[`@bytecodealliance/preview2-shim/${m}`] = `${base}${m}.js`;
  }
  const imports: Record<string, object> = { [specifier]: objects };
  for (const [wit, name] of Object.entries(WASI_EXPORTS)) imports[wit.replace(/@.*$/, '')] = objects[name];
  return { map: wasiMap(specifier), mapArgs: wasiMapArgs(specifier), importMap: { imports: importMap }, imports };
}
