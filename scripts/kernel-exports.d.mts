// Types of scripts/kernel-exports.mjs for the TypeScript that imports it (test/build.test.ts).

/** Where the generated kernel declarations live (repository-relative). */
export const OUT: string;
/** The generated file's text from the compiler's declaration file and a reader of assembly/ sources. */
export function kernelExports(dts: string, readSource: (path: string) => string): string;
/** The generated file's text for the checkout at `dir` (default: this repository). */
export function currentKernelExports(dir?: string): string;
