export * from '../core/config/duration.ts';
