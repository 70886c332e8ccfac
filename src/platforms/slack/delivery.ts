/**
 * Delivery keys: one id per Slack delivery, the same on every retry of it. Slack retries an
 * Events API delivery (`X-Slack-Retry-Num: 1..3` in HTTP mode, `retry_attempt` in Socket Mode)
 * with the same `event_id`; a slash command has one `trigger_id`; a click one `action_ts`.
 * The `slack:` prefix keeps them apart from other platforms' keys in the store.
 */
export function deliveryKey(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (b.type === 'event_callback' && typeof b.event_id === 'string') return `slack:event:${b.event_id}`;
  if (typeof b.command === 'string' && typeof b.trigger_id === 'string')
    return `slack:command:${b.trigger_id}`;
  if (b.type === 'block_actions' && Array.isArray(b.actions)) {
    const action = b.actions[0] as { action_ts?: unknown } | undefined;
    const user = (b.user as { id?: unknown } | undefined)?.id;
    if (typeof action?.action_ts === 'string' && typeof user === 'string') {
      return `slack:action:${user}:${action.action_ts}`;
    }
  }
  return undefined;
}

/** The delivery keys seen lately (the last `capacity` of them), to drop retries before any work. */
export class RecentDeliveries {
  readonly #keys = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 5000) {
    this.#capacity = capacity;
  }

  /** True the first time a key is offered (and remembers it); false for a repeat. */
  first(key: string): boolean {
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    if (this.#keys.size > this.#capacity) this.#keys.delete(this.#keys.values().next().value!);
    return true;
  }
}
