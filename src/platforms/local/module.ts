import type { PlatformModule } from '../../core/ports.ts';

/** The local playground: a web chat on the shared server; people are known by email. */
export const localModule: PlatformModule = {
  name: 'local',
  platformIds: false,
};
