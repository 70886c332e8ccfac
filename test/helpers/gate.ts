/**
 * A gate the test opens: what waits at it (a fake vendor holding its answer, a stubbed call)
 * goes on only when the test says so, instead of after a fixed real delay.
 */
export interface Gate {
  /** For the held party: resolves when the gate is open (at once if it already is). */
  wait(): Promise<void>;
  /** Resolves once something has waited at the gate: the held work is under way. */
  readonly reached: Promise<void>;
  /** Lets everything waiting, and every later wait, through. */
  open(): void;
  readonly isOpen: boolean;
}

export function createGate(): Gate {
  let opened = false;
  let release!: () => void;
  const opens = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrive!: () => void;
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  return {
    wait() {
      arrive();
      return opens;
    },
    reached,
    open() {
      opened = true;
      release();
    },
    get isOpen() {
      return opened;
    },
  };
}
