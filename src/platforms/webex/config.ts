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
  /**
   * Webhook mode: remove the bot's webhooks when this process stops (default false: with several
   * replicas the others still need them; set it for a single process that should leave none behind).
   */
  deleteWebhooksOnStop: boolean;
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
  deleteWebhooksOnStop: z.boolean({ error: 'deleteWebhooksOnStop is true or false' }).default(false),
});

export const webexChatConfig: PlatformConfigPart = {
  schema,
  build(parsed, secret, issue): WebexChatConfig {
    const w = parsed as z.output<typeof schema>;
    const out: WebexChatConfig = {
      botToken: secret(w.botToken, 'chat.webex.botToken'),
      apiUrl: w.apiUrl,
      deleteWebhooksOnStop: w.deleteWebhooksOnStop,
    };
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
