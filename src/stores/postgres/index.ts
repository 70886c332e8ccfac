/**
 * The server store: PostgreSQL through `pg`, for several replicas of domainops sharing one
 * database (`store: postgres://…`, `postgresql://…`, or `{ url, password, lease }`).
 *
 * `pg` and the store's code are loaded only when a PostgreSQL store is opened or checked, so a
 * process on SQLite never loads them (this file and ./settings.ts import types from `pg` only).
 */
import type { StoreModule } from '../../core/ports.ts';
import type { RequestStore } from '../../core/requests/store.ts';
import { POSTGRES_URL } from './settings.ts';

/**
 * A store that is still being loaded, usable at once: every method of a RequestStore is async
 * except `watch`, so each call waits for the store and is then made on it; `watch` subscribes
 * once it is there. Opening errors (a bad setting) reject the first call, as they would have
 * rejected the first use of the store.
 */
function loadedLater(opening: Promise<RequestStore>): RequestStore {
  let store: RequestStore | undefined;
  opening.then(
    (opened) => {
      store = opened;
    },
    () => {},
  );
  const watch = (onChange: () => void): (() => void) => {
    let stop: (() => void) | undefined;
    let stopped = false;
    void opening.then(
      (opened) => {
        if (!stopped) stop = opened.watch?.(onChange);
      },
      () => {},
    );
    return () => {
      stopped = true;
      stop?.();
    };
  };
  return new Proxy({} as RequestStore, {
    get(_target, name) {
      if (name === 'watch') return watch;
      // Not a thenable: `await store` must not wait for the store's `then`.
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (...args: unknown[]) => {
        const call = (opened: RequestStore) =>
          (opened[name as keyof RequestStore] as (...a: unknown[]) => unknown).apply(opened, args);
        return store === undefined ? opening.then(call) : call(store);
      };
    },
  });
}

export const postgresStore: StoreModule = {
  name: 'postgres',
  accepts: ({ location }) => POSTGRES_URL.test(location),
  open: (setting) => loadedLater(import('./store.ts').then((m) => m.openPostgresStore(setting))),
  check: async (setting) => (await import('./check.ts')).checkPostgres(setting),
};
