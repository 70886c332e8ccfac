export * from '../core/config/secret.ts';
