import { describe, expect, it } from 'vitest';
import type { F5Target } from '../../../adapters/f5xc/target.ts';
import type { Target } from '../../../adapters/types.ts';
import type { WebexTarget } from '../../../adapters/webex-identity/target.ts';
import type { YandexTarget } from '../../../adapters/yandex-org/target.ts';
import { Secret } from '../../../src/core/config/secret.ts';
import { resolveTarget, type VendorCommand } from './helpers.ts';

const webex = (name: string): WebexTarget => ({
  name,
  vendor: 'webex',
  orgId: '1eb65fdf-9643-417f-9974-ad72cae0e10f',
  apiUrl: 'https://webexapis.com/v1',
  auth: {
    kind: 'accessToken',
    accessToken: new Secret('env:WEBEX_TOKEN', `targets.${name}.auth.accessToken`, '/tmp'),
  },
});
const f5 = (name: string): F5Target => ({
  name,
  vendor: 'f5xc',
  tenantUrl: 'https://acme.console.ves.volterra.io',
  auth: { kind: 'apiToken', apiToken: new Secret('env:F5_TOKEN', `targets.${name}.auth.apiToken`, '/tmp') },
});
const yandex = (name: string): YandexTarget => ({
  name,
  vendor: 'yandex',
  scope: { kind: 'federation', id: 'bpf3crucp1v2' },
  apiUrl: 'https://organization-manager.api.cloud.yandex.net/organization-manager/v1',
  operationUrl: 'https://operation.api.cloud.yandex.net',
  operationPoll: { interval: 1000, maxInterval: 10_000, timeout: 120_000 },
  auth: { kind: 'iamToken', iamToken: new Secret('env:YC_TOKEN', `targets.${name}.auth.iamToken`, '/tmp') },
});
const config = (...targets: Target[]): Record<string, Target> =>
  Object.fromEntries(targets.map((t) => [t.name, t]));

const all = config(webex('webex-prod'), webex('webex-test'), f5('f5-acme'), yandex('yc-sso'));
const unclaim = (target?: string): VendorCommand =>
  target === undefined
    ? { action: 'unclaim', domain: 'abc.com' }
    : { action: 'unclaim', domain: 'abc.com', target };
const validate = (target?: string): VendorCommand =>
  target === undefined
    ? { action: 'validate', domain: 'corp.ru' }
    : { action: 'validate', domain: 'corp.ru', target };

function failure(command: VendorCommand, targets: Record<string, Target>) {
  const result = resolveTarget(command, targets);
  if (result.ok) throw new Error(`expected a failure, got ${result.target.name}`);
  expect(result.error.message).not.toContain('\n');
  return result.error;
}

describe('resolveTarget', () => {
  it('takes the named target when its vendor runs the action', () => {
    expect(resolveTarget(unclaim('webex-test'), all)).toEqual({ ok: true, target: all['webex-test'] });
    expect(resolveTarget(validate('yc-sso'), all)).toEqual({ ok: true, target: all['yc-sso'] });
    expect(
      resolveTarget({ action: 'unassign-owner', email: 'bob@corp.com', target: 'f5-acme' }, all),
    ).toEqual({
      ok: true,
      target: all['f5-acme'],
    });
  });

  it('takes the only target of the vendor when none is named', () => {
    expect(resolveTarget(validate(), all)).toEqual({ ok: true, target: all['yc-sso'] });
    expect(resolveTarget({ action: 'domain', domain: 'corp.ru' }, all)).toEqual({
      ok: true,
      target: all['yc-sso'],
    });
    expect(resolveTarget({ action: 'unassign-owner', email: 'bob@corp.com' }, all)).toEqual({
      ok: true,
      target: all['f5-acme'],
    });
    const one = config(webex('webex-prod'), yandex('yc-sso'));
    expect(resolveTarget(unclaim(), one)).toEqual({ ok: true, target: one['webex-prod'] });
    expect(resolveTarget({ action: 'unverify', domain: 'abc.com', removePending: true }, one)).toEqual({
      ok: true,
      target: one['webex-prod'],
    });
  });

  it('asks for in <target> when several targets can run the action', () => {
    const error = failure(unclaim(), all);
    expect(error.code).toBe('ambiguous_target');
    expect(error.message).toBe('unclaim can run on webex-prod, webex-test: add `in <target>`');
    expect(error.hint).toBe('e.g. unclaim … in webex-prod');
  });

  it('says when no target of the vendor is configured', () => {
    const error = failure(validate(), config(webex('webex-prod')));
    expect(error.code).toBe('no_target');
    expect(error.message).toBe('validate runs on yandex targets and none is configured');
    expect(error.hint).toContain('add a yandex target');
    expect(failure(unclaim(), {}).code).toBe('no_target');
  });

  it('rejects a target of another vendor and names the right ones', () => {
    const error = failure(validate('webex-prod'), all);
    expect(error.code).toBe('wrong_vendor');
    expect(error.message).toBe('webex-prod is a webex target; validate runs on yandex targets: yc-sso');
    const none = failure(validate('webex-prod'), config(webex('webex-prod')));
    expect(none.message).toBe(
      'webex-prod is a webex target; validate runs on yandex targets and none is configured',
    );
  });

  it('rejects an unknown target, lists the configured ones and suggests the closest', () => {
    const error = failure(unclaim('webex-prd'), all);
    expect(error.code).toBe('unknown_target');
    expect(error.message).toBe(
      'there is no target "webex-prd" (did you mean webex-prod?); configured targets: f5-acme, webex-prod, webex-test, yc-sso',
    );
    expect(failure(unclaim('zzz'), all).message).not.toContain('did you mean');
    expect(failure(unclaim('webex-prod'), {}).message).toBe(
      'there is no target "webex-prod"; no targets are configured',
    );
  });

  it('does not find properties of Object.prototype', () => {
    expect(failure(unclaim('constructor'), all).code).toBe('unknown_target');
    expect(failure(unclaim('__proto__'), all).code).toBe('unknown_target');
  });
});
