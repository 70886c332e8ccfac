export * from '../core/grammar/normalize.ts';
