/**
 * Versioned schema migrations, one scheme for every store module: an ordered list of numbered
 * steps, each applied once in its own transaction with the others that are due, and recorded in
 * the store's `schema_migrations` table (version, name, when). A store whose recorded version is
 * newer than the steps this build knows is refused (`store_schema_newer`): an older domainops
 * must not write a schema it does not understand. Never edit a shipped step: add a new one.
 * A step whose work SQL cannot do (hashes computed the way the code computes them) adds `code`,
 * run right after its `sql`, in the same transaction, on the store's own connection type `Db`.
 */
import { DomainopsError } from '../core/errors.ts';

export interface Migration<Db = unknown> {
  /** 1, 2, 3, …: the schema version the step leads to. */
  readonly version: number;
  /** What the step does, recorded with it (`requests and audit`). */
  readonly name: string;
  /** The statements, run as one script. */
  readonly sql: string;
  /** Work after `sql` that needs code (a backfill), in the same transaction. */
  readonly code?: (db: Db) => void | Promise<void>;
}

/** Checks that the steps are numbered 1, 2, 3, … (a mistake here would corrupt every store). */
export function migrations<Db>(steps: readonly Migration<Db>[]): readonly Migration<Db>[] {
  steps.forEach((step, i) => {
    if (step.version !== i + 1) throw new Error(`migration ${i + 1} is numbered ${step.version}`);
  });
  return steps;
}

/** The steps still to apply to a store at `version`; `store_schema_newer` when it is ahead. */
export function pending<Db>(steps: readonly Migration<Db>[], version: number): readonly Migration<Db>[] {
  if (version > steps.length) {
    throw new DomainopsError(
      'store_schema_newer',
      `the store was written by a newer domainops (schema ${version}, this one knows ${steps.length})`,
      { hint: 'run the newer domainops, or point `store:` at another store' },
    );
  }
  return steps.slice(version);
}
