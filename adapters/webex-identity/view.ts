import type { ResultView, Section } from '../../src/core/ports.ts';
import { dnsCheckView } from '../dns/view.ts';
import { sameDomainName } from '../url.ts';
import type { WebexResult } from './result.ts';

/** The verified and claimed lists Webex answers with, and the reference URL it gives. */
function listSections(result: {
  verifiedDomains: string[];
  claimedDomains: string[];
  url?: string;
}): Section[] {
  const sections: Section[] = [
    { kind: 'list', title: 'Verified domains', items: result.verifiedDomains, empty: '(none)' },
    { kind: 'list', title: 'Claimed domains', items: result.claimedDomains, empty: '(none)' },
  ];
  if (result.url !== undefined) {
    sections.push({ kind: 'facts', facts: [{ label: 'Webex reference', value: result.url }] });
  }
  return sections;
}

const has = (list: string[], domain: string): boolean => list.some((d) => sameDomainName(d, domain));

/** What a successful Webex Identity call did, for the person in chat. `target` is the target's name. */
export function webexView(result: WebexResult, target: string): ResultView {
  switch (result.action) {
    case 'verify-token': {
      const { record } = result;
      const sections: Section[] = [
        {
          kind: 'text',
          text: [
            { text: 'Publish this DNS TXT record at ' },
            { text: result.domain, style: 'bold' },
            { text: ', then run ' },
            { text: `verify ${result.domain} in ${target}`, style: 'code' },
            { text: ' (add --claim to claim it too).' },
          ],
        },
        { kind: 'code', label: 'Record name', value: record.name },
        { kind: 'code', label: 'Record type', value: record.type },
        { kind: 'code', label: 'Record value', value: record.value },
        {
          kind: 'context',
          text: `Webex looks the record up when you run verify (method ${result.verificationMethod}). Keep the record published: it proves the organization owns ${result.domain}.`,
        },
      ];
      if (result.url !== undefined) {
        sections.push({ kind: 'facts', facts: [{ label: 'Webex reference', value: result.url }] });
      }
      return { title: `TXT record to publish for ${result.domain}`, tone: 'info', sections };
    }
    case 'verify': {
      const verified = has(result.verifiedDomains, result.domain);
      const claimed = has(result.claimedDomains, result.domain);
      const sections: Section[] = [];
      if (!verified) {
        // A 200 whose list leaves the domain out: shown as Webex said it, not as a success.
        sections.push({
          kind: 'text',
          text: `Webex answered, but its verified domains do not include ${result.domain}: check the domain in Control Hub.`,
        });
      } else {
        sections.push({
          kind: 'text',
          text: claimed
            ? `Verified and claimed ${result.domain}: new users with addresses at it are created in the organization.`
            : `Verified ${result.domain}. Domain enforcement applies to the organization.`,
        });
      }
      sections.push(...listSections(result));
      if (verified && !claimed) {
        sections.push({
          kind: 'context',
          text: `${result.claim ? 'Webex did not claim it. ' : ''}To claim it, run: claim ${result.domain} in ${target}`,
        });
      }
      const title = !verified
        ? `${result.domain} is not in the verified list`
        : claimed
          ? `Verified and claimed ${result.domain}`
          : `Verified ${result.domain}`;
      return { title, tone: verified ? 'success' : 'warning', sections };
    }
    case 'claim': {
      const own = result.claimed.find((d) => sameDomainName(d.domain, result.domain));
      const sections: Section[] = [
        {
          kind: 'text',
          text: `Claimed ${result.domain}: new users with addresses at it are created in the organization.`,
        },
      ];
      if (result.force) {
        sections.push({
          kind: 'context',
          text: `Claimed with --force: Webex took ${result.domain} from the users of other organizations who used it.`,
        });
      }
      if (result.claimed.length > 0) {
        sections.push({
          kind: 'list',
          title: 'Claimed now',
          items: result.claimed.map((d) => d.domain),
        });
      }
      if (own?.url !== undefined) {
        sections.push({ kind: 'facts', facts: [{ label: 'Webex reference', value: own.url }] });
      }
      sections.push({
        kind: 'context',
        text: `To give the claim up again, run: unclaim ${result.domain} in ${target}`,
      });
      return { title: `Claimed ${result.domain}`, tone: 'success', sections };
    }
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
    case 'dns-check':
      return dnsCheckView(result, { again: `dns-check ${result.domain} in ${target}` });
    case 'unverify':
      return {
        title: `Unverified ${result.domain}`,
        tone: 'success',
        sections: [{ kind: 'text', text: `Unverified ${result.domain}.` }, ...listSections(result)],
      };
  }
}
