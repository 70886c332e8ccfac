/**
 * The baseline of the Slack bench: a Bolt app on Bolt's own HTTPReceiver that only acks the
 * slash command (with the same kind of ephemeral text domainops acks with) and does nothing
 * else. Same signing secret, its own port. Ready when `GET /readyz` answers 200.
 *
 *   PORT=… SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… node bench/bare-bolt.ts
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`bare-bolt: set ${name}`);
  return value;
};

const receiver = new HTTPReceiver({
  signingSecret: env('SLACK_SIGNING_SECRET'),
  endpoints: '/slack/events',
  logLevel: LogLevel.ERROR,
  customRoutes: [
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ready"}');
      },
    },
  ],
});

const app = new App({
  token: env('SLACK_BOT_TOKEN'),
  receiver,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: env('SLACK_API_URL') },
});

app.command(process.env.SLACK_COMMAND ?? '/domainops', async ({ command, ack }) => {
  await ack({ response_type: 'ephemeral', text: `Working on \`${command.text || 'help'}\`…` });
});

await app.start(Number(env('PORT')));
process.on('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
