/**
 * The few Webex messaging API calls webex-node-bot-framework makes while it starts in webhook
 * mode (the bot's person, its webhooks, the SDK's service catalog), trimmed from the tests'
 * fake (test/fakes/webex-api.ts) for the start-up bench. Built on the vendor fakes' helper.
 */
import { randomUUID } from 'node:crypto';
import { type FakeReply, type FakeServer, jsonBody, startFake } from '../../adapters/sandbox-http.ts';

const id = (kind: string): string =>
  Buffer.from(`ciscospark://us/${kind}/${randomUUID()}`).toString('base64url');

export interface BenchWebexApi {
  url: string;
  /** `{url}/v1`: HYDRA_SERVICE_URL and chat.webex.apiUrl. */
  apiUrl: string;
  /** `{url}/u2c/api/v1`: U2C_SERVICE_URL. */
  u2cUrl: string;
  server: FakeServer;
}

export async function startWebexApi(): Promise<BenchWebexApi> {
  const bot = {
    id: id('PEOPLE'),
    emails: ['domainops@webex.bot'],
    displayName: 'DomainOps',
    type: 'bot',
    orgId: id('ORGANIZATION'),
    created: new Date().toISOString(),
  };
  const webhooks: Record<string, unknown>[] = [];
  const route = (request: { method: string; path: string; body: string }): FakeReply => {
    const path = new URL(request.path, 'http://fake').pathname.replace(/\/+$/, '');
    if (request.method === 'GET' && path.startsWith('/u2c/api/v1/') && path.endsWith('catalog'))
      return { status: 200, json: { serviceLinks: {}, hostCatalog: {}, format: 'hostmap' } };
    if (request.method === 'GET' && path === '/v1/people/me') return { status: 200, json: bot };
    if (request.method === 'GET' && path === '/v1/webhooks')
      return { status: 200, json: { items: webhooks } };
    if (request.method === 'POST' && path === '/v1/webhooks') {
      const hook = { ...(jsonBody(request as never) as object), id: id('WEBHOOK'), status: 'active' };
      webhooks.push(hook);
      return { status: 200, json: hook };
    }
    if (request.method === 'DELETE' && path.startsWith('/v1/webhooks/')) {
      const at = webhooks.findIndex((w) => w.id === path.split('/').at(-1));
      if (at !== -1) webhooks.splice(at, 1);
      return { status: 204 };
    }
    return { status: 404, json: { message: `${request.method} ${path} not found` } };
  };
  const server = await startFake({
    route,
    errorBody: (status, message) => ({
      contentType: 'application/json',
      body: JSON.stringify({ message, errors: [{ description: message }], status }),
    }),
  });
  return { url: server.url, apiUrl: `${server.url}/v1`, u2cUrl: `${server.url}/u2c/api/v1`, server };
}
