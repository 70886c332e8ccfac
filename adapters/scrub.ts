export * from '../src/core/scrub.ts';
