import type { Target, VendorResult, YandexDomain } from '../../adapters/types.ts';
import type { CardContext } from '../../src/core/cards/build.ts';
import { Secret } from '../../src/core/config/secret.ts';
import { ExitCode } from '../../src/core/errors.ts';
import type { Actor } from '../../src/core/policy/actor.ts';
import { createPresenter } from '../../src/core/present.ts';
import type { MetaAnswer, Reply, RequestReply } from '../../src/core/reply.ts';
import type { RequestRecord } from '../../src/core/requests/model.ts';
import type { AuditEvent } from '../../src/core/requests/store.ts';
import { modules } from '../../src/modules.ts';

/** 2026-11-23 10:42 UTC: every sample time is relative to it, so fixtures are stable. */
export const NOW = Date.UTC(2026, 10, 23, 10, 42);
const MINUTE = 60_000;

const secret = (name: string, path: string): Secret => new Secret(`env:${name}`, path, '/nonexistent', {});

export const TARGETS: Record<string, Target> = {
  'webex-prod': {
    name: 'webex-prod',
    vendor: 'webex',
    orgId: '1eb65fdf-9643-417f-9974-ad72cae0e10f',
    apiUrl: 'https://webexapis.com/v1',
    auth: { kind: 'accessToken', accessToken: secret('WEBEX_IDENTITY_TOKEN', 'targets.webex-prod.auth') },
  },
  'f5-acme': {
    name: 'f5-acme',
    vendor: 'f5xc',
    tenantUrl: 'https://acme.console.ves.volterra.io',
    auth: { kind: 'apiToken', apiToken: secret('F5XC_API_TOKEN', 'targets.f5-acme.auth') },
  },
  'yc-sso': {
    name: 'yc-sso',
    vendor: 'yandex',
    scope: { kind: 'federation', id: 'bpf3crucp1v2example' },
    apiUrl: 'https://organization-manager.api.cloud.yandex.net/organization-manager/v1',
    operationUrl: 'https://operation.api.cloud.yandex.net',
    operationPoll: { interval: 1000, maxInterval: 5000, timeout: 60_000 },
    auth: { kind: 'iamToken', iamToken: secret('YC_IAM_TOKEN', 'targets.yc-sso.auth') },
  },
};

export const CONTEXT: CardContext = {
  present: createPresenter(modules.grammar, modules.vendors, TARGETS),
  now: NOW,
};

export const alice: Actor = { platform: 'slack', id: 'U024BE7LH', email: 'alice@corp.com', name: 'Alice' };
export const bob: Actor = {
  platform: 'webex',
  id: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib2I',
  email: 'bob@corp.com',
};
export const carol: Actor = { platform: 'cli', id: 'carol@corp.com' };

/** A request as the workflow stores it; `over` sets the fields a sample cares about. */
export function record(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: 'r-7f3k2q9m',
    action: 'unclaim',
    target: 'webex-prod',
    call: { action: 'unclaim', domain: 'abc.com' },
    subject: 'abc.com',
    requester: alice,
    status: 'pending',
    rule: 'destructive ops',
    approval: { approvers: ['identity-admins'], count: 1, expiresAt: NOW + 30 * MINUTE },
    approvals: [],
    createdAt: NOW - 2 * MINUTE,
    updatedAt: NOW - 2 * MINUTE,
    version: 1,
    ...over,
  };
}

/** A reply as the pipeline builds it from a stored request. */
export function replyFor(r: RequestRecord, over: Partial<RequestReply> = {}): RequestReply {
  const status = r.status === 'approved' || r.status === 'executing' ? 'pending' : r.status;
  const reply: RequestReply = {
    kind: 'request',
    status,
    requestId: r.id,
    action: r.action,
    target: r.target,
    record: r,
    text: '(plain text)',
    exitCode: ExitCode.ok,
    ...over,
  };
  if (r.result !== undefined && !('result' in over)) reply.result = r.result;
  return reply;
}

const approvedByBob = { approvals: [{ actor: bob, at: NOW - MINUTE }] };

export function unverifyResult(verified: string[], claimed: string[]): VendorResult {
  return {
    action: 'unverify',
    domain: 'abc.com',
    verifiedDomains: verified,
    claimedDomains: claimed,
    url: 'https://identity.webex.com/organization/1eb65fdf-9643-417f-9974-ad72cae0e10f/v1/actions/DomainVerification/unverify/invoke',
    raw: {},
  };
}

export function yandexDomain(status: string, over: Partial<YandexDomain> = {}): YandexDomain {
  return {
    domain: 'corp.ru',
    status,
    statusCode: status === 'VALID' ? 'OK' : 'TXT_RECORD_NOT_FOUND',
    createdAt: '2026-11-20T08:00:00Z',
    challenges: [
      {
        createdAt: '2026-11-20T08:00:00Z',
        updatedAt: '2026-11-23T10:41:00Z',
        type: 'DNS_TXT',
        status: status === 'VALID' ? 'VALID' : 'PENDING',
        dnsChallenge: {
          name: '_yc-domain-validation.corp.ru',
          type: 'TXT',
          value: 'yc-domain-validation=9f2c4e1a7b3d5f608e1c2a4b6d8f0e13',
        },
      },
    ],
    ...(status === 'VALID' ? { validatedAt: '2026-11-23T10:41:30Z' } : {}),
    ...over,
  };
}

function yandexRecord(action: 'validate' | 'domain', domain: YandexDomain): RequestRecord {
  const result: VendorResult =
    action === 'validate'
      ? { action, domain, operationId: 'bpfop0example01', raw: {} }
      : { action, domain, raw: {} };
  return record({
    id: `r-${action === 'validate' ? 'v4l1d8te' : 'd0ma1n5t'}`,
    action,
    target: 'yc-sso',
    call: { action, domain: 'corp.ru' },
    subject: 'corp.ru',
    requester: carol,
    status: 'succeeded',
    rule: 'reads',
    approvals: [],
    result,
  });
}

/** A Yandex lifecycle request (add, list, delete) as the workflow stores it, with its result. */
function yandexLifecycleRecord(
  call: { action: string; domain?: string },
  result: VendorResult | undefined,
  over: Partial<RequestRecord> = {},
): RequestRecord {
  return record({
    id: `r-${call.action.replace(/-/g, '').slice(0, 8).padEnd(8, '0')}`,
    action: call.action,
    target: 'yc-sso',
    call,
    subject: call.domain ?? '',
    status: 'succeeded',
    ...(call.action === 'list-domains' ? { requester: carol, rule: 'reads', approvals: [] } : approvedByBob),
    ...(result === undefined ? {} : { result }),
    ...over,
  });
}

/** `n` domains of a federation: every status in turn. */
function yandexDomains(n: number): YandexDomain[] {
  const statuses = ['VALID', 'NEED_TO_VALIDATE', 'VALIDATING', 'INVALID', 'DELETING'];
  return Array.from({ length: n }, (_, i) =>
    yandexDomain(statuses[i % statuses.length]!, { domain: i === 0 ? 'corp.ru' : `d${i}.corp.ru` }),
  );
}

/** A domain as add-domain returns it: waiting for its record, no validation tried yet. */
function justAdded(): YandexDomain {
  const { statusCode: _none, ...domain } = yandexDomain('NEED_TO_VALIDATE');
  return domain;
}

const deletionProtected = {
  code: 'deletion_protected',
  message: 'abc.com is protected from deletion in userpool pool-example: domainops sent no DELETE',
  hint: 'turn off the deletion protection of abc.com in userpool pool-example (Yandex Cloud console), then run `delete-domain abc.com` again',
  vendor: 'yandex',
};

function pendingRecords(n: number): RequestRecord[] {
  return Array.from({ length: n }, (_, i) =>
    record({
      id: `r-${String(i).padStart(8, '0')}`,
      subject: `d${i}.corp.com`,
      call: { action: 'unclaim', domain: `d${i}.corp.com` },
      createdAt: NOW - (n - i) * MINUTE,
    }),
  );
}

function auditEvents(n: number): AuditEvent[] {
  return Array.from({ length: n }, (_, i): AuditEvent => {
    const base = { seq: i + 1, at: NOW - (n - i) * MINUTE, requestId: `r-${String(i).padStart(8, '0')}` };
    return i % 3 === 0
      ? {
          ...base,
          actor: { platform: 'system', id: 'domainops' },
          type: 'expired',
          from: 'pending',
          to: 'expired',
        }
      : {
          ...base,
          actor: { platform: 'slack', id: 'U024BE7LH', email: 'alice@corp.com' },
          type: 'submitted',
          to: 'pending',
        };
  });
}

const ok = (action: string, result: unknown, answer: MetaAnswer, text = '(plain text)'): Reply => ({
  kind: 'meta',
  status: 'succeeded',
  action,
  result,
  answer,
  text,
  exitCode: ExitCode.ok,
});

/** `validate` of a domain whose record is not published: the hint names the record, in backticks. */
const unpublished = {
  code: 'vendor_operation_failed',
  message:
    'Yandex could not validate corp.ru in federation bpf3crucp1v2example: DNS TXT record for corp.ru not found (operation bpfop0example01, gRPC code 9)',
  hint: 'publish this DNS record, wait for DNS, then run `validate corp.ru` again: `_yc-domain-validation.corp.ru` TXT `yc-domain-validation=9f2c4e1a7b3d5f608e1c2a4b6d8f0e13`',
  vendorMessage: 'DNS TXT record for corp.ru not found',
  vendor: 'yandex',
};

function unpublishedRecord(): RequestRecord {
  const { result: _none, ...failed } = yandexRecord('validate', yandexDomain('NEED_TO_VALIDATE'));
  return { ...failed, status: 'failed', error: unpublished };
}

const unknownError = {
  code: 'outcome_unknown',
  message: 'the connection to Webex was lost after the request was sent',
  hint: 'check the domain in Control Hub before trying again',
  vendor: 'webex',
};

/** Every card kind, named; the fixture file of each is `<name>.json`. */
export const SAMPLES: Record<string, Reply> = {
  'approval-request': replyFor(record()),
  'approval-progress': replyFor(
    record({
      action: 'unverify',
      call: { action: 'unverify', domain: 'abc.com', removePending: true },
      approval: { approvers: ['identity-admins'], count: 2, expiresAt: NOW + 58 * MINUTE },
      ...approvedByBob,
    }),
    { action: 'approve' },
  ),
  'approval-unassign-owner': replyFor(
    record({
      action: 'unassign-owner',
      target: 'f5-acme',
      call: { action: 'unassign-owner', email: 'dave@corp.com' },
      subject: 'dave@corp.com',
    }),
  ),
  'approval-assign-owner': replyFor(
    record({
      action: 'assign-owner',
      target: 'f5-acme',
      call: { action: 'assign-owner', email: 'carol@corp.com' },
      subject: 'carol@corp.com',
    }),
  ),
  running: replyFor(record({ status: 'executing', ...approvedByBob }), { decision: 'approve' }),
  denied: replyFor(
    record({
      status: 'denied',
      denial: { actor: bob, at: NOW - MINUTE, reason: 'wrong org, this is the EU tenant' },
    }),
    { action: 'deny' },
  ),
  cancelled: replyFor(record({ status: 'cancelled', cancellation: { actor: alice, at: NOW - MINUTE } }), {
    action: 'cancel',
  }),
  expired: replyFor(
    record({
      status: 'expired',
      approval: { approvers: ['identity-admins'], count: 2, expiresAt: NOW - MINUTE },
    }),
  ),
  'result-unclaim': replyFor(
    record({
      status: 'succeeded',
      ...approvedByBob,
      result: { action: 'unclaim', domain: 'abc.com', raw: null },
    }),
    { action: 'approve' },
  ),
  'result-unverify': replyFor(
    record({
      action: 'unverify',
      call: { action: 'unverify', domain: 'abc.com', removePending: false },
      status: 'succeeded',
      ...approvedByBob,
      result: unverifyResult(['corp.com', 'corp.net'], ['corp.com']),
    }),
    { action: 'approve' },
  ),
  'result-unverify-empty': replyFor(
    record({
      action: 'unverify',
      call: { action: 'unverify', domain: 'abc.com', removePending: false },
      status: 'succeeded',
      ...approvedByBob,
      result: unverifyResult([], []),
    }),
    { action: 'approve' },
  ),
  'result-unassign-owner': replyFor(
    record({
      action: 'unassign-owner',
      target: 'f5-acme',
      call: { action: 'unassign-owner', email: 'dave@corp.com' },
      subject: 'dave@corp.com',
      status: 'succeeded',
      ...approvedByBob,
      result: { action: 'unassign-owner', email: 'dave@corp.com', raw: {} },
    }),
    { action: 'approve' },
  ),
  'result-assign-owner': replyFor(
    record({
      action: 'assign-owner',
      target: 'f5-acme',
      call: { action: 'assign-owner', email: 'carol@corp.com' },
      subject: 'carol@corp.com',
      status: 'succeeded',
      ...approvedByBob,
      result: { action: 'assign-owner', email: 'carol@corp.com', raw: {} },
    }),
    { action: 'approve' },
  ),
  'result-validate-pending': replyFor(yandexRecord('validate', yandexDomain('NEED_TO_VALIDATE'))),
  'result-validate-valid': replyFor(yandexRecord('validate', yandexDomain('VALID'))),
  'result-domain-validating': replyFor(yandexRecord('domain', yandexDomain('VALIDATING'))),
  'result-add-domain': replyFor(
    yandexLifecycleRecord(
      { action: 'add-domain', domain: 'corp.ru' },
      {
        action: 'add-domain',
        domain: justAdded(),
        operationId: 'bpfop0example02',
        raw: {},
      },
    ),
    { action: 'approve' },
  ),
  'result-list-domains': replyFor(
    yandexLifecycleRecord(
      { action: 'list-domains' },
      { action: 'list-domains', domains: yandexDomains(3), pages: 1 },
    ),
  ),
  'result-list-domains-long': replyFor(
    yandexLifecycleRecord(
      { action: 'list-domains' },
      { action: 'list-domains', domains: yandexDomains(420), pages: 5 },
    ),
  ),
  'result-list-domains-empty': replyFor(
    yandexLifecycleRecord({ action: 'list-domains' }, { action: 'list-domains', domains: [], pages: 1 }),
  ),
  'approval-delete-domain': replyFor(
    record({
      action: 'delete-domain',
      target: 'yc-sso',
      call: { action: 'delete-domain', domain: 'old.corp.ru' },
      subject: 'old.corp.ru',
    }),
  ),
  'result-delete-domain': replyFor(
    yandexLifecycleRecord(
      { action: 'delete-domain', domain: 'old.corp.ru' },
      { action: 'delete-domain', domain: 'old.corp.ru', operationId: 'bpfop0example03', raw: {} },
    ),
    { action: 'approve' },
  ),
  'error-deletion-protected': replyFor(
    yandexLifecycleRecord({ action: 'delete-domain', domain: 'abc.com' }, undefined, {
      status: 'failed',
      error: deletionProtected,
    }),
    { action: 'approve', exitCode: ExitCode.vendor, error: deletionProtected },
  ),
  'error-vendor': replyFor(
    record({
      action: 'unverify',
      call: { action: 'unverify', domain: 'abc.com', removePending: false },
      status: 'failed',
      ...approvedByBob,
      error: {
        code: 'vendor_bad_request',
        message: 'Webex refused to unverify abc.com: the domain is still claimed',
        hint: 'run `unclaim abc.com in webex-prod` first',
        vendor: 'webex',
        status: 400,
        requestId: 'ROUTERGW_5f0c2b7e-1d3a-4c8b-9e21-7a6f3d2c1b00',
      },
    }),
    {
      action: 'approve',
      exitCode: ExitCode.vendor,
      error: {
        code: 'vendor_bad_request',
        message: 'Webex refused to unverify abc.com: the domain is still claimed',
        hint: 'run `unclaim abc.com in webex-prod` first',
        vendor: 'webex',
        status: 400,
        requestId: 'ROUTERGW_5f0c2b7e-1d3a-4c8b-9e21-7a6f3d2c1b00',
      },
    },
  ),
  'error-validate-unpublished': replyFor(unpublishedRecord(), {
    exitCode: ExitCode.vendor,
    error: unpublished,
  }),
  'error-usage': {
    kind: 'error',
    status: 'failed',
    error: {
      code: 'usage',
      message: 'unclaim needs a domain',
      hint: 'usage: unclaim <domain> [in <target>]',
    },
    text: '(plain text)',
    exitCode: ExitCode.usage,
  },
  unknown: replyFor(record({ status: 'unknown', ...approvedByBob, error: unknownError }), {
    decision: 'approve',
    exitCode: ExitCode.unknown,
    error: unknownError,
  }),
  rejected: replyFor(
    record({
      status: 'rejected',
      requester: { platform: 'slack', id: 'UMAL', email: 'mallory@corp.com' },
      error: { code: 'requester_not_allowed', message: 'mallory@corp.com is not in identity-admins' },
      explanation:
        'Policy check: unclaim abc.com in webex-prod, requested by mallory@corp.com\n  1. "destructive ops": no: requester not in identity-admins\nDecision: rejected: no rule allows unclaim.',
    }),
    {
      exitCode: ExitCode.rejected,
      error: { code: 'requester_not_allowed', message: 'mallory@corp.com is not in identity-admins' },
      policy:
        'Policy check: unclaim abc.com in webex-prod, requested by mallory@corp.com\n  1. "destructive ops": no: requester not in identity-admins\nDecision: rejected: no rule allows unclaim.',
    },
  ),
  'rejected-meta': {
    kind: 'rejected',
    status: 'rejected',
    action: 'audit',
    error: { code: 'no_matching_rule', message: 'no policy rule allows audit' },
    policy:
      'Policy check: audit, requested by mallory@corp.com\nDecision: rejected: no policy rule allows audit.',
    text: '(plain text)',
    exitCode: ExitCode.rejected,
  },
  refused: {
    kind: 'refusal',
    status: 'pending',
    requestId: record().id,
    action: 'unclaim',
    target: 'webex-prod',
    record: record(),
    decision: 'approve',
    refusal: { kind: 'not_allowed', reason: 'approve_own_request' },
    text: '(plain text)',
    exitCode: ExitCode.rejected,
    error: { code: 'approve_own_request', message: 'you cannot approve your own request' },
  },
  'dry-run': {
    kind: 'dry-run',
    status: 'dry-run',
    action: 'unclaim',
    target: 'webex-prod',
    request: {
      method: 'POST',
      url: 'https://webexapis.com/v1/identity/organizations/1eb65fdf-9643-417f-9974-ad72cae0e10f/actions/unclaimDomain',
      headers: { authorization: '[REDACTED]', 'content-type': 'application/json' },
      body: '{"domain":"abc.com"}',
    },
    policy:
      'Policy check: unclaim abc.com in webex-prod, requested by alice@corp.com\nDecision: needs approval (rule "destructive ops").',
    text: '(plain text)',
    exitCode: ExitCode.ok,
  },
  pending: ok('pending', { requests: pendingRecords(3) }, { topic: 'pending', requests: pendingRecords(3) }),
  'pending-empty': ok('pending', { requests: [] }, { topic: 'pending', requests: [] }),
  help: ok('help', { text: 'domainops commands:\n…' }, { topic: 'help' }),
  'help-topic': ok(
    'help',
    { text: 'Usage: unverify <domain> [in <target>] [--remove-pending]\n…' },
    { topic: 'help', command: 'unverify' },
  ),
  audit: ok('audit', { events: auditEvents(4) }, { topic: 'audit', events: auditEvents(4) }),
  targets: ok('targets', { targets: [] }, { topic: 'targets' }),
  whoami: ok(
    'whoami',
    { actor: alice, groups: ['identity-admins'] },
    { topic: 'whoami', actor: alice, groups: ['identity-admins'] },
  ),
};

/** Large inputs: renderers must cut them and say how many were left out. */
export const LARGE = {
  unverify500: replyFor(
    record({
      action: 'unverify',
      call: { action: 'unverify', domain: 'abc.com', removePending: false },
      status: 'succeeded',
      ...approvedByBob,
      result: unverifyResult(
        Array.from({ length: 500 }, (_, i) => `verified-domain-number-${i}.corp.com`),
        Array.from({ length: 500 }, (_, i) => `claimed-domain-number-${i}.corp.com`),
      ),
    }),
  ),
  pending500: ok(
    'pending',
    { requests: pendingRecords(500) },
    { topic: 'pending', requests: pendingRecords(500) },
  ),
  audit1000: ok('audit', { events: auditEvents(1000) }, { topic: 'audit', events: auditEvents(1000) }),
};

/** Hostile text from people and vendors. */
export const HOSTILE = [
  '<!channel>',
  '<@U024BE7LH>',
  '@all',
  '<@all>',
  '*bold*',
  '[link](http://evil)',
  '<http://evil|click>',
  'AT&T & co',
  '<@personEmail:boss@corp.com>',
  '_italic_ ~strike~ `code`',
  '> quoted\n- listed\n# heading',
];
