import type { VendorResult, YandexDomain } from '../../adapters/types.ts';
import type { Section, Tone } from './model.ts';

/** A vendor result as a card's title, tone and sections. */
export interface ResultView {
  title: string;
  tone: Tone;
  sections: Section[];
}

/** At most this many challenges are shown; Yandex returns one or two. */
const MAX_CHALLENGES = 5;

/** What a successful vendor call did, for the person in chat. `target` is the target's name. */
export function resultView(result: VendorResult, target: string): ResultView {
  switch (result.action) {
    case 'unclaim':
      // Webex answers 204 with no body: there are no domain lists to show.
      return {
        title: `Unclaimed ${result.domain}`,
        tone: 'success',
        sections: [
          { kind: 'text', text: `Unclaimed ${result.domain}: it stays verified.` },
          {
            kind: 'context',
            text: `Domain enforcement still applies. To remove the verification too, run: unverify ${result.domain} in ${target}`,
          },
        ],
      };
    case 'unverify': {
      const sections: Section[] = [
        { kind: 'text', text: `Unverified ${result.domain}.` },
        { kind: 'list', title: 'Verified domains', items: result.verifiedDomains, empty: '(none)' },
        { kind: 'list', title: 'Claimed domains', items: result.claimedDomains, empty: '(none)' },
      ];
      if (result.url !== undefined) {
        sections.push({ kind: 'facts', facts: [{ label: 'Webex reference', value: result.url }] });
      }
      return { title: `Unverified ${result.domain}`, tone: 'success', sections };
    }
    case 'unassign-owner':
      return {
        title: `${result.email} is no longer a domain owner`,
        tone: 'success',
        sections: [
          {
            kind: 'list',
            title: 'What changed',
            items: [
              `The domain-owner flag of ${result.email} is removed.`,
              'If the tenant uses SSO, the user is marked as an SSO user and their password and OTP credentials are deleted.',
              'Roles granted before, admin roles included, are kept.',
            ],
          },
        ],
      };
    case 'validate':
    case 'domain':
      return domainView(result.domain, target);
  }
}

const STATUS_TONE: Record<string, Tone> = {
  VALID: 'success',
  VALIDATING: 'info',
  NEED_TO_VALIDATE: 'warning',
  INVALID: 'danger',
  DELETING: 'warning',
};

function domainView(domain: YandexDomain, target: string): ResultView {
  const status = domain.status ?? 'UNKNOWN';
  const sections: Section[] = [];
  const facts = [{ label: 'Status', value: status }];
  if (domain.statusCode !== undefined) facts.push({ label: 'Status code', value: domain.statusCode });
  if (domain.validatedAt !== undefined) facts.push({ label: 'Validated at', value: domain.validatedAt });
  if (domain.createdAt !== undefined) facts.push({ label: 'Created at', value: domain.createdAt });
  sections.push({ kind: 'facts', facts });

  const challenges = domain.challenges.filter((c) => c.dnsChallenge !== undefined);
  if (status !== 'VALID' && challenges.length > 0) {
    sections.push({
      kind: 'text',
      text: [
        { text: 'Publish this DNS record, then run ' },
        { text: `validate ${domain.domain} in ${target}`, style: 'code' },
        { text: ' again.' },
      ],
    });
  }
  challenges.slice(0, MAX_CHALLENGES).forEach((c, i) => {
    const record = c.dnsChallenge!;
    const n = challenges.length > 1 ? ` ${i + 1}` : '';
    sections.push({
      kind: 'facts',
      facts: [
        { label: `Challenge${n}`, value: `${c.type ?? 'DNS_TXT'}, ${c.status ?? 'status unknown'}` },
        { label: 'Record type', value: record.type ?? 'TXT' },
      ],
    });
    sections.push({ kind: 'code', label: 'Record name', value: record.name ?? '' });
    sections.push({ kind: 'code', label: 'Record value', value: record.value ?? '' });
  });
  if (challenges.length > MAX_CHALLENGES) {
    sections.push({ kind: 'context', text: `and ${challenges.length - MAX_CHALLENGES} more challenges` });
  }
  return { title: `${domain.domain} is ${status}`, tone: STATUS_TONE[status] ?? 'info', sections };
}
