// Types for scripts/bundle-size.mjs (imported by test/bundle/size.test.ts).
export declare const CORE_GZIP_BUDGET: number;
export declare const CORE_FILE: string;
export declare const ROOTS_FILE: string;
export interface FileSize {
  file: string;
  bytes: number;
  gzip: number;
}
export declare function measure(dir?: string): { core: FileSize; roots: FileSize; budget: number; withinBudget: boolean };
export declare function analyze(file: string): { name: string; bytes: number }[];
export declare function owner(source: string): string;
