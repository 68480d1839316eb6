/**
 * `@rjsf/core` without its test helper. The 6.8 entry point also exports `getTestRegistry`,
 * which imports `@rjsf/validator-ajv8` — not installed, and AJV compiles code at runtime, which
 * our CSP forbids (rjsf-team/react-jsonschema-form#5295, fixed upstream after 6.8 by moving it
 * to `@rjsf/core/testing`). vite.config.ts and vitest.config.ts resolve `@rjsf/core` here.
 */
export { default } from '@rjsf/core/lib/components/Form.js';
export { default as RichDescription } from '@rjsf/core/lib/components/RichDescription.js';
export { default as RichHelp } from '@rjsf/core/lib/components/RichHelp.js';
export { default as SchemaExamples } from '@rjsf/core/lib/components/SchemaExamples.js';
export { default as getDefaultRegistry } from '@rjsf/core/lib/getDefaultRegistry.js';
export { default as withTheme } from '@rjsf/core/lib/withTheme.js';
