export * from '../core/grammar/suggest.ts';
