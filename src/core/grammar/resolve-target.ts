import { DomainopsError } from '../errors.ts';
import type { TargetBase } from '../ports.ts';
import { closest } from './suggest.ts';

/** Stable codes of the errors resolveTarget returns. */
export type TargetErrorCode = 'unknown_target' | 'wrong_vendor' | 'ambiguous_target' | 'no_target';

export type ResolveTargetResult<T extends TargetBase = TargetBase> =
  | { ok: true; target: T }
  | { ok: false; error: DomainopsError };

/**
 * The configured target a vendor command runs on: the one named by `in <target>`, which must
 * exist and belong to the action's vendor, or else the only configured target of that vendor.
 */
export function resolveTarget<T extends TargetBase>(
  command: { action: string; target?: string },
  vendors: string | readonly string[],
  targets: Readonly<Record<string, T>>,
): ResolveTargetResult<T> {
  const runners: readonly string[] = typeof vendors === 'string' ? [vendors] : vendors;
  // One vendor, or `a or b` for a command several vendor modules run.
  const vendor = runners.join(' or ');
  const names = Object.keys(targets).sort();
  const candidates = names.filter((name) => runners.includes(targets[name]?.vendor ?? ''));
  const fail = (code: TargetErrorCode, message: string, hint: string): ResolveTargetResult<T> => ({
    ok: false,
    error: new DomainopsError(code, message, { hint }),
  });
  const runsOn =
    candidates.length === 0
      ? `${command.action} runs on ${vendor} targets and none is configured`
      : `${command.action} runs on ${vendor} targets: ${candidates.join(', ')}`;

  if (command.target !== undefined) {
    const name = command.target;
    // Own properties only: a target named "constructor" must not find Object.prototype.
    const target = Object.hasOwn(targets, name) ? targets[name] : undefined;
    if (target === undefined) {
      const suggestion = closest(name, names);
      const didYouMean = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
      const configured =
        names.length === 0 ? 'no targets are configured' : `configured targets: ${names.join(', ')}`;
      return fail(
        'unknown_target',
        `there is no target "${name}"${didYouMean}; ${configured}`,
        names.length === 0
          ? `add a ${vendor} target under targets: in domainops.yaml`
          : 'type targets to list them',
      );
    }
    if (!runners.includes(target.vendor)) {
      return fail(
        'wrong_vendor',
        `${name} is a ${target.vendor} target; ${runsOn}`,
        candidates.length === 0
          ? `add a ${vendor} target under targets: in domainops.yaml`
          : `use in ${candidates[0]}, or type targets to list them`,
      );
    }
    return { ok: true, target };
  }

  const [only] = candidates;
  if (candidates.length === 1 && only !== undefined) {
    const target = targets[only];
    if (target !== undefined) return { ok: true, target };
  }
  if (candidates.length === 0) {
    return fail('no_target', runsOn, `add a ${vendor} target under targets: in domainops.yaml`);
  }
  return fail(
    'ambiguous_target',
    `${command.action} can run on ${candidates.join(', ')}: add \`in <target>\``,
    `e.g. ${command.action} … in ${candidates[0]}`,
  );
}
