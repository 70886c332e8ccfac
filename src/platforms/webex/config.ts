import { z } from 'zod';
import { httpsUrl, secretRef } from '../../core/config/fields.ts';
import type { Secret } from '../../core/config/secret.ts';
import type { PlatformConfigPart } from '../../core/ports.ts';

/** `chat.webex` in domainops.yaml. */
export interface WebexChatConfig {
  botToken: Secret;
  webhookUrl?: string;
  webhookSecret?: Secret;
  apiUrl: string;
}

declare module '../../core/config/types.ts' {
  interface ChatConfigs {
    webex?: WebexChatConfig;
  }
}

const schema = z.strictObject({
  botToken: secretRef,
  webhookUrl: httpsUrl.optional(),
  webhookSecret: secretRef.optional(),
  apiUrl: httpsUrl.default('https://webexapis.com/v1'),
});

export const webexChatConfig: PlatformConfigPart = {
  schema,
  build(parsed, secret, issue): WebexChatConfig {
    const w = parsed as z.output<typeof schema>;
    const out: WebexChatConfig = { botToken: secret(w.botToken, 'chat.webex.botToken'), apiUrl: w.apiUrl };
    if (w.webhookUrl) out.webhookUrl = w.webhookUrl;
    if (w.webhookSecret) out.webhookSecret = secret(w.webhookSecret, 'chat.webex.webhookSecret');
    if (w.webhookUrl && !w.webhookSecret) {
      issue({
        path: 'chat.webex.webhookSecret',
        message: 'webhook mode needs a webhookSecret so that deliveries can be verified',
      });
    }
    return out;
  },
};
