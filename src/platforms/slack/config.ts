import { z } from 'zod';
import { httpsUrl, secretRef } from '../../core/config/fields.ts';
import type { Secret } from '../../core/config/secret.ts';
import type { PlatformConfigPart } from '../../core/ports.ts';

/** `chat.slack` in domainops.yaml. */
export interface SlackConfig {
  botToken: Secret;
  signingSecret?: Secret;
  appToken?: Secret;
  command: string;
  apiUrl: string;
}

declare module '../../core/config/types.ts' {
  interface ChatConfigs {
    slack?: SlackConfig;
  }
}

const schema = z.strictObject({
  botToken: secretRef,
  signingSecret: secretRef.optional(),
  appToken: secretRef.optional(),
  command: z
    .string()
    .regex(/^\/[a-z0-9_-]{1,31}$/, { error: 'a slash command such as /domainops' })
    .default('/domainops'),
  apiUrl: httpsUrl.default('https://slack.com/api').transform((v) => `${v}/`),
});

export const slackConfig: PlatformConfigPart = {
  schema,
  build(parsed, secret, issue): SlackConfig {
    const s = parsed as z.output<typeof schema>;
    const out: SlackConfig = {
      botToken: secret(s.botToken, 'chat.slack.botToken'),
      command: s.command,
      apiUrl: s.apiUrl,
    };
    if (s.signingSecret) out.signingSecret = secret(s.signingSecret, 'chat.slack.signingSecret');
    if (s.appToken) out.appToken = secret(s.appToken, 'chat.slack.appToken');
    if (!s.appToken && !s.signingSecret) {
      issue({
        path: 'chat.slack',
        message: 'set appToken (Socket Mode) or signingSecret (HTTP mode at /slack/events)',
      });
    }
    return out;
  },
};
