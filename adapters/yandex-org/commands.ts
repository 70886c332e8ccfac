import type { VendorCommandSpec } from '../../src/core/ports.ts';

/** The Yandex Cloud Organization Manager calls (federation or userpool domain methods). */
export type YandexCall = { action: 'validate'; domain: string } | { action: 'domain'; domain: string };

export const YANDEX_COMMANDS: readonly VendorCommandSpec[] = [
  {
    action: 'validate',
    subject: 'domain',
    summary: 'Ask Yandex Cloud to check the DNS TXT challenge of a domain',
    description:
      'Asks Yandex Cloud Organization Manager to validate the domain of the federation or userpool by ' +
      'checking its DNS TXT challenge. While the record is not published yet it shows the record to add; ' +
      'run the command again once it is in DNS.',
    destructive: false,
    example: 'validate corp.ru in yc-sso',
    call: (domain): YandexCall => ({ action: 'validate', domain }),
  },
  {
    action: 'domain',
    aliases: ['status'],
    subject: 'domain',
    summary: 'Show the status and DNS challenges of a domain in Yandex Cloud',
    description:
      'Reads the domain from the Yandex Cloud federation or userpool and shows its status ' +
      '(NEED_TO_VALIDATE, VALIDATING, VALID, INVALID, DELETING) and its DNS TXT challenges. Changes nothing.',
    destructive: false,
    example: 'domain corp.ru in yc-sso',
    call: (domain): YandexCall => ({ action: 'domain', domain }),
  },
];
