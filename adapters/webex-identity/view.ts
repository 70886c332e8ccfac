import type { ResultView, Section } from '../../src/core/ports.ts';
import type { VendorResult } from '../types.ts';

type WebexResult = Extract<VendorResult, { action: 'unclaim' | 'unverify' }>;

/** What a successful Webex Identity call did, for the person in chat. `target` is the target's name. */
export function webexView(result: WebexResult, target: string): ResultView {
  if (result.action === 'unclaim') {
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
  }
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
