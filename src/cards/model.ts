/** Moved to the core: the card model names no platform. */
export * from '../core/cards/model.ts';
