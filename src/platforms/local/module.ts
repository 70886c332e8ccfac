import type { PlatformModule } from '../../core/ports.ts';

/**
 * The local playground: a web chat on the shared server; people are known by email. It needs
 * no settings and runs when no other platform is configured.
 */
export const localModule: PlatformModule = {
  name: 'local',
  platformIds: false,
  fallback: true,
  create: async (deps) => (await import('./index.ts')).createPlaygroundPlatform(deps),
};
