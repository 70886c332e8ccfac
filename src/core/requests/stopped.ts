/**
 * The reason every wait of the request machinery is stopped with (a lease heartbeat released, a
 * batch's progress flush no longer needed, a poll of the audit trail woken early). `abort()`
 * without a reason makes a new `DOMException`, stack trace and all, at every call: under load
 * that was a few percent of the busy time, one per command. This one is made once; it is an
 * `AbortError` like the default reason, so whatever looks at `signal.reason` (or at its `name`)
 * sees what it saw before.
 */
export const STOPPED: DOMException = new DOMException('the wait is no longer needed', 'AbortError');
