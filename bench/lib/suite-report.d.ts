/** Types of lib/suite-report.js for the TypeScript tests (a suite result is the JSON of bench/results/suite-*.json). */
export const BEGIN: string
export const END: string
export const SUITE_COLUMNS: Array<[string, (row: Record<string, unknown>) => string]>
export function suiteMarkdown (result: Record<string, unknown>): string
export function updateReadme (readmePath: string, result: Record<string, unknown>): void
