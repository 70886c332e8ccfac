/**
 * Webhook mode with several replicas: the bot's webhooks are shared by every replica, so they are
 * registered idempotently and left in place when a replica stops.
 *
 * webex-node-bot-framework, in webhook mode, removes every webhook named for this bot and host
 * when it starts and when it stops, and creates its two (`resource: all` and `attachmentActions`)
 * anew: a replica that starts or stops would cut the others off. Here the framework's calls to
 * the SDK's webhooks API are taken over while it starts and stops: its list finds nothing to
 * remove, and its creates find the webhook with the same name, target URL, resource and event
 * (Webex "List Webhooks"), update it when its secret or status is not the configured one
 * ("Update a Webhook": `PUT /webhooks/{webhookId}` with `status: active`), and create it only when
 * there is none. Two replicas that start at the same moment may both create one: each then lists
 * again and keeps the oldest, so both end up with the same single webhook. Stopping removes them
 * only with `chat.webex.deleteWebhooksOnStop: true`.
 */

/** A webhook as Webex lists it. */
export interface Webhook {
  id: string;
  name: string;
  targetUrl: string;
  resource: string;
  event: string;
  filter?: string;
  secret?: string;
  status?: string;
  created?: string;
}

/** What the framework passes to `create`. */
export interface NewWebhook {
  name: string;
  targetUrl: string;
  resource: string;
  event: string;
  secret?: string;
}

/** The SDK's webhooks API (`webex.webhooks`), as far as it is used here. */
export interface WebhooksApi {
  list(options?: unknown): Promise<unknown>;
  create(webhook: NewWebhook): Promise<unknown>;
  update(webhook: Webhook): Promise<unknown>;
  remove(webhook: { id: string }): Promise<unknown>;
}

export interface SharedWebhooksOptions {
  /** Remove the bot's webhooks when this replica stops (`chat.webex.deleteWebhooksOnStop`). */
  deleteOnStop: boolean;
  /** Told what was done (for the log): created, updated, kept, duplicates removed. */
  report?: (what: WebhookReport) => void;
}

export type WebhookReport =
  | { kind: 'created' | 'updated' | 'kept'; resource: string }
  | { kind: 'duplicates-removed'; resource: string; count: number }
  | { kind: 'other-targets'; count: number };

export interface SharedWebhooks {
  /** The error that stopped registering, if any (start fails with it). */
  failure(): unknown;
  /** From now on the framework's list shows the webhooks (to remove them) only if `deleteOnStop`. */
  stopping(): void;
}

/** At most this many pages of 100 webhooks are read (a bot has a handful). */
const MAX_PAGES = 10;

function pageItems(page: unknown): Webhook[] {
  const items = (page as { items?: unknown } | undefined)?.items;
  return Array.isArray(items) ? (items as Webhook[]) : [];
}

/** Every webhook of the bot, following the SDK's pages. */
async function listAll(list: WebhooksApi['list']): Promise<Webhook[]> {
  const all: Webhook[] = [];
  let page: unknown = await list({ max: 100 });
  for (let i = 0; i < MAX_PAGES; i++) {
    all.push(...pageItems(page));
    const p = page as { hasNext?: () => boolean; next?: () => Promise<unknown> };
    if (typeof p.hasNext !== 'function' || !p.hasNext() || typeof p.next !== 'function') break;
    page = await p.next();
  }
  return all;
}

const sameHook = (a: NewWebhook | Webhook, b: Webhook): boolean =>
  a.name === b.name && a.targetUrl === b.targetUrl && a.resource === b.resource && a.event === b.event;

/** The oldest first (by creation time, then id): every replica picks the same one to keep. */
function oldestFirst(a: Webhook, b: Webhook): number {
  const ta = a.created ?? '';
  const tb = b.created ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether Webex answered 404 (the webhook is gone already: another replica removed it). */
function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: unknown } | undefined)?.statusCode === 404;
}

/**
 * Takes over `api` (the SDK's `webex.webhooks`, which the framework calls) for one start and
 * stop of the framework. Call it after `framework.start()` was called (it creates the SDK
 * synchronously) and before its webhook calls run.
 */
export function shareWebhooks(api: WebhooksApi, options: SharedWebhooksOptions): SharedWebhooks {
  const real = {
    list: api.list.bind(api),
    create: api.create.bind(api),
    update: api.update.bind(api),
    remove: api.remove.bind(api),
  };
  let failed: unknown;
  let stopping = false;
  let warnedOthers = false;

  /** Keeps the oldest of the webhooks like `wanted` and removes the rest; returns the one kept. */
  const dedupe = async (wanted: NewWebhook): Promise<Webhook | undefined> => {
    const same = (await listAll(real.list)).filter((w) => sameHook(wanted, w)).sort(oldestFirst);
    const [keep, ...extra] = same;
    for (const hook of extra) {
      try {
        await real.remove({ id: hook.id });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    if (extra.length > 0) {
      options.report?.({ kind: 'duplicates-removed', resource: wanted.resource, count: extra.length });
    }
    return keep;
  };

  /** Finds the webhook like `wanted`: updated if its secret or status is not ours; else created. */
  const upsert = async (wanted: NewWebhook): Promise<Webhook> => {
    const all = await listAll(real.list);
    if (!warnedOthers) {
      warnedOthers = true;
      const others = all.filter((w) => w.name === wanted.name && w.targetUrl !== wanted.targetUrl);
      if (others.length > 0) options.report?.({ kind: 'other-targets', count: others.length });
    }
    const found = all.filter((w) => sameHook(wanted, w)).sort(oldestFirst)[0];
    if (found !== undefined) {
      const current = found.status === undefined || found.status === 'active';
      if (current && found.secret !== undefined && found.secret === wanted.secret) {
        options.report?.({ kind: 'kept', resource: wanted.resource });
        return (await dedupe(wanted)) ?? found;
      }
      const body: Webhook = {
        id: found.id,
        name: found.name,
        targetUrl: found.targetUrl,
        resource: found.resource,
        event: found.event,
        status: 'active',
      };
      if (wanted.secret !== undefined) body.secret = wanted.secret;
      await real.update(body);
      options.report?.({ kind: 'updated', resource: wanted.resource });
      return (await dedupe(wanted)) ?? found;
    }
    const created = (await real.create(wanted)) as Webhook;
    options.report?.({ kind: 'created', resource: wanted.resource });
    // Another replica may have created one at the same moment: both keep the oldest.
    return (await dedupe(wanted)) ?? created;
  };

  api.list = async (...args: unknown[]) => {
    // Starting: nothing to remove (the framework would remove the other replicas' webhooks).
    // Stopping: the webhooks, for the framework to remove, only when configured.
    if (stopping && options.deleteOnStop) return real.list(...args);
    return { items: [] };
  };
  api.create = (wanted: NewWebhook) =>
    upsert(wanted).catch((error: unknown) => {
      // The framework would log the SDK's error (which carries the request) and go on without
      // webhooks: keep the error for start to report, and leave its chain waiting.
      failed = error;
      return new Promise<never>(() => undefined);
    });

  return {
    failure: () => failed,
    stopping() {
      stopping = true;
    },
  };
}
