/**
 * A local fake of the Webex messaging API, the bot's side (people, rooms, memberships, messages,
 * attachment actions, webhooks), enough for webex-node-bot-framework and the Webex SDK inside it.
 * Point the SDK at it with `HYDRA_SERVICE_URL=${fake.apiUrl}` before the framework is loaded.
 * Every call is recorded. Ids are base64url `ciscospark://us/<KIND>/<uuid>` URIs, as Webex uses
 * and as the SDK's batched people lookup expects.
 */
import { createHmac, randomUUID } from 'node:crypto';
import {
  type FakeReply,
  type FakeServer,
  jsonBody,
  type RecordedRequest,
  startFake,
} from '../../adapters/sandbox-http.ts';

export interface FakePerson {
  id: string;
  emails: string[];
  displayName: string;
  type: 'person' | 'bot';
  orgId: string;
  created: string;
}

export interface FakeRoom {
  id: string;
  title: string;
  type: 'direct' | 'group';
  isLocked: boolean;
  created: string;
}

export interface FakeMembership {
  id: string;
  roomId: string;
  personId: string;
  personEmail: string;
  personDisplayName: string;
  isModerator: boolean;
  created: string;
}

export interface FakeMessage {
  id: string;
  roomId: string;
  roomType: 'direct' | 'group';
  personId: string;
  personEmail: string;
  text?: string;
  markdown?: string;
  html?: string;
  parentId?: string;
  mentionedPeople?: string[];
  attachments?: { contentType: string; content: Record<string, unknown> }[];
  created: string;
}

export interface FakeAttachmentAction {
  id: string;
  type: 'submit';
  messageId: string;
  inputs: Record<string, unknown>;
  personId: string;
  roomId: string;
  created: string;
}

export interface FakeWebhook {
  id: string;
  name: string;
  targetUrl: string;
  resource: string;
  event: string;
  secret?: string;
  status: 'active' | 'inactive';
  created: string;
}

/** A webhook delivery as Webex posts it (thin: only ids in `data`). */
export interface WebhookDelivery {
  id: string;
  name: string;
  targetUrl: string;
  resource: 'messages' | 'attachmentActions';
  event: 'created';
  orgId: string;
  createdBy: string;
  appId: string;
  ownedBy: 'creator';
  status: 'active';
  created: string;
  actorId: string;
  data: Record<string, unknown>;
}

export interface WebexApiFake {
  url: string;
  /** `{url}/v1`: what HYDRA_SERVICE_URL and `chat.webex.apiUrl` point at. */
  apiUrl: string;
  /** `{url}/u2c/api/v1`: what U2C_SERVICE_URL points at (an empty service catalog). */
  u2cUrl: string;
  requests: RecordedRequest[];
  bot: FakePerson;
  people: Map<string, FakePerson>;
  rooms: Map<string, FakeRoom>;
  memberships: FakeMembership[];
  messages: Map<string, FakeMessage>;
  actions: Map<string, FakeAttachmentAction>;
  webhooks: FakeWebhook[];
  addPerson(email: string, displayName: string, options?: { noEmail?: boolean }): FakePerson;
  /** A space with the bot and these people in it. */
  addRoom(type: 'direct' | 'group', people: FakePerson[], title?: string): FakeRoom;
  /** A person writes in a room (a group message @mentions the bot, as Webex only delivers those). */
  say(room: FakeRoom, person: FakePerson, text: string, options?: { parentId?: string }): FakeMessage;
  /** A person clicks an Action.Submit button on a card message. */
  submit(person: FakePerson, card: FakeMessage, inputs: Record<string, unknown>): FakeAttachmentAction;
  /** The webhook delivery for a message or attachment action, named as the framework registered it. */
  delivery(item: FakeMessage | FakeAttachmentAction): WebhookDelivery;
  /** Scripted misbehaviour for the next matching request(s), as in the vendor fakes. */
  fault: FakeServer['fault'];
  clearFaults(): void;
  /** Messages the bot posted, oldest first. */
  botMessages(): FakeMessage[];
  /** Requests other than the framework's start-up calls, from index `from`. */
  since(from: number): RecordedRequest[];
  close(): Promise<void>;
}

/** `ciscospark://us/<KIND>/<uuid>` in base64url without padding, like the SDK's `inferPersonIdFromUuid`. */
export function webexId(kind: string, uuid: string = randomUUID()): string {
  return Buffer.from(`ciscospark://us/${kind}/${uuid}`).toString('base64url');
}

/** The `X-Spark-Signature` of a raw body: hex HMAC-SHA1 with the webhook secret. */
export function sparkSignature(raw: string, secret: string): string {
  return createHmac('sha1', secret).update(raw).digest('hex');
}

const ORG = webexId('ORGANIZATION');
const now = (): string => new Date().toISOString();

function notFound(what: string): FakeReply {
  return { status: 404, json: { message: `${what} not found`, errors: [{ description: 'not found' }] } };
}

/** Starts the fake on 127.0.0.1; the bot is `domainops@webex.bot`, display name DomainOps. */
export async function startWebexApiFake(): Promise<WebexApiFake> {
  const bot: FakePerson = {
    id: webexId('PEOPLE'),
    emails: ['domainops@webex.bot'],
    displayName: 'DomainOps',
    type: 'bot',
    orgId: ORG,
    created: now(),
  };
  const people = new Map<string, FakePerson>([[bot.id, bot]]);
  const rooms = new Map<string, FakeRoom>();
  const memberships: FakeMembership[] = [];
  const messages = new Map<string, FakeMessage>();
  const actions = new Map<string, FakeAttachmentAction>();
  const webhooks: FakeWebhook[] = [];

  const items = (list: unknown[]): FakeReply => ({ status: 200, json: { items: list } });
  const isMember = (roomId: string, personId: string): boolean =>
    memberships.some((m) => m.roomId === roomId && m.personId === personId);
  /** The 1:1 space of the bot and a person, made when the first message goes there. */
  const directRoom = (person: FakePerson): FakeRoom => {
    const existing = [...rooms.values()].find(
      (r) => r.type === 'direct' && isMember(r.id, person.id) && isMember(r.id, bot.id),
    );
    if (existing) return existing;
    const room: FakeRoom = {
      id: webexId('ROOM'),
      title: person.displayName,
      type: 'direct',
      isLocked: false,
      created: now(),
    };
    rooms.set(room.id, room);
    join(room, bot);
    join(room, person);
    return room;
  };

  const route = (request: RecordedRequest): FakeReply => {
    const url = new URL(request.path, 'http://fake');
    const path = url.pathname.replace(/\/+$/, '');
    const q = url.searchParams;
    const id = path.split('/').at(-1) ?? '';
    const { method } = request;
    // The SDK asks U2C for its service catalog; an empty one keeps every call on HYDRA_SERVICE_URL.
    if (method === 'GET' && path.startsWith('/u2c/api/v1/') && path.endsWith('catalog')) {
      return { status: 200, json: { serviceLinks: {}, hostCatalog: {}, format: 'hostmap' } };
    }
    if (method === 'GET' && path === '/v1/people/me') return { status: 200, json: bot };
    if (method === 'GET' && path === '/v1/people' && q.get('email') !== null) {
      // "List People" by email: the people with that address (none: an empty list).
      const email = (q.get('email') ?? '').toLowerCase();
      return items([...people.values()].filter((p) => p.emails.some((e) => e.toLowerCase() === email)));
    }
    if (method === 'GET' && path === '/v1/people') {
      // The SDK batches person lookups: GET /people/?id=a,b&showAllTypes=…
      const ids = (q.get('id') ?? '').split(',').filter(Boolean);
      const found = ids.map((i) => people.get(i)).filter((p) => p !== undefined);
      return { status: 200, json: { items: found, notFoundIds: ids.filter((i) => !people.has(i)) } };
    }
    if (method === 'GET' && path.startsWith('/v1/people/')) {
      const person = people.get(id);
      return person ? { status: 200, json: person } : notFound('person');
    }
    if (method === 'GET' && path === '/v1/webhooks') return items(webhooks);
    if (method === 'POST' && path === '/v1/webhooks') {
      const body = jsonBody(request) as Partial<FakeWebhook>;
      const hook: FakeWebhook = {
        id: webexId('WEBHOOK'),
        name: String(body.name),
        targetUrl: String(body.targetUrl),
        resource: String(body.resource),
        event: String(body.event),
        ...(body.secret === undefined ? {} : { secret: body.secret }),
        status: 'active',
        created: now(),
      };
      webhooks.push(hook);
      return { status: 200, json: hook };
    }
    if (method === 'PUT' && path.startsWith('/v1/webhooks/')) {
      // Webex "Update a Webhook": name and targetUrl required; secret and status may change.
      const hook = webhooks.find((w) => w.id === id);
      if (!hook) return notFound('webhook');
      const body = jsonBody(request) as Partial<FakeWebhook>;
      if (typeof body.name !== 'string' || typeof body.targetUrl !== 'string') {
        return { status: 400, json: { message: 'name and targetUrl are required' } };
      }
      Object.assign(hook, { name: body.name, targetUrl: body.targetUrl });
      if (body.secret !== undefined) hook.secret = body.secret;
      if (body.status !== undefined) hook.status = body.status;
      return { status: 200, json: hook };
    }
    if (method === 'DELETE' && path.startsWith('/v1/webhooks/')) {
      const index = webhooks.findIndex((w) => w.id === id);
      if (index === -1) return notFound('webhook');
      webhooks.splice(index, 1);
      return { status: 204 };
    }
    if (method === 'GET' && path === '/v1/memberships') {
      const roomId = q.get('roomId');
      const personId = q.get('personId');
      return items(
        memberships.filter(
          (m) => (roomId === null || m.roomId === roomId) && (personId === null || m.personId === personId),
        ),
      );
    }
    if (method === 'GET' && path.startsWith('/v1/rooms/')) {
      // Webex answers 404 for a space the bot is not in, as for one that does not exist.
      const room = rooms.get(id);
      return room && isMember(room.id, bot.id) ? { status: 200, json: room } : notFound('room');
    }
    if (method === 'GET' && path.startsWith('/v1/messages/')) {
      const message = messages.get(id);
      return message ? { status: 200, json: message } : notFound('message');
    }
    if (method === 'POST' && path === '/v1/messages') {
      const body = jsonBody(request) as Partial<FakeMessage> & {
        toPersonId?: string;
        toPersonEmail?: string;
      };
      let room: FakeRoom | undefined;
      if (body.toPersonId !== undefined || body.toPersonEmail !== undefined) {
        // A direct message: into the 1:1 space of the bot and the person (made on the first one).
        const email = body.toPersonEmail?.toLowerCase();
        const person =
          body.toPersonId !== undefined
            ? people.get(body.toPersonId)
            : [...people.values()].find((p) => p.emails.some((e) => e.toLowerCase() === email));
        if (!person) return notFound('person');
        room = directRoom(person);
      } else {
        room = rooms.get(String(body.roomId));
        if (room && !isMember(room.id, bot.id)) room = undefined;
      }
      if (!room) return notFound('room');
      if (body.parentId !== undefined && messages.get(body.parentId)?.parentId !== undefined) {
        return { status: 400, json: { message: 'parentId must be a top-level message' } };
      }
      const message: FakeMessage = {
        id: webexId('MESSAGE'),
        roomId: room.id,
        roomType: room.type,
        personId: bot.id,
        personEmail: bot.emails[0]!,
        ...(body.markdown === undefined ? {} : { markdown: body.markdown, text: body.markdown }),
        ...(body.text === undefined ? {} : { text: body.text }),
        ...(body.parentId === undefined ? {} : { parentId: body.parentId }),
        ...(body.attachments === undefined ? {} : { attachments: body.attachments }),
        created: now(),
      };
      messages.set(message.id, message);
      return { status: 200, json: message };
    }
    if (method === 'GET' && path.startsWith('/v1/attachment/actions/')) {
      const action = actions.get(id);
      return action ? { status: 200, json: action } : notFound('attachment action');
    }
    return notFound(`${method} ${path}`);
  };

  const server: FakeServer = await startFake({
    route,
    errorBody: (status, message) => ({
      contentType: 'application/json',
      body: JSON.stringify({ message, errors: [{ description: message }], status }),
    }),
    headers: () => ({ trackingid: `ROUTER_${randomUUID()}` }),
  });

  const addPerson: WebexApiFake['addPerson'] = (email, displayName, options = {}) => {
    const person: FakePerson = {
      id: webexId('PEOPLE'),
      emails: options.noEmail ? [] : [email],
      displayName,
      type: 'person',
      orgId: ORG,
      created: now(),
    };
    people.set(person.id, person);
    return person;
  };

  const join = (room: FakeRoom, person: FakePerson): void => {
    memberships.push({
      id: webexId('MEMBERSHIP'),
      roomId: room.id,
      personId: person.id,
      personEmail: person.emails[0] ?? '',
      personDisplayName: person.displayName,
      isModerator: false,
      created: now(),
    });
  };

  return {
    url: server.url,
    apiUrl: `${server.url}/v1`,
    u2cUrl: `${server.url}/u2c/api/v1`,
    requests: server.requests,
    bot,
    people,
    rooms,
    memberships,
    messages,
    actions,
    webhooks,
    addPerson,
    addRoom(type, members, title = type === 'direct' ? '' : 'Identity admins') {
      const room: FakeRoom = { id: webexId('ROOM'), title, type, isLocked: false, created: now() };
      rooms.set(room.id, room);
      for (const person of [bot, ...members]) join(room, person);
      return room;
    },
    say(room, person, text, options = {}) {
      // In a group space Webex delivers only messages that @mention the bot; the mention is the
      // bot's display name in `text` and a <spark-mention> in `html`.
      const group = room.type === 'group';
      const message: FakeMessage = {
        id: webexId('MESSAGE'),
        roomId: room.id,
        roomType: room.type,
        personId: person.id,
        personEmail: person.emails[0] ?? '',
        text: group ? `${bot.displayName} ${text}` : text,
        ...(group
          ? {
              html: `<p><spark-mention data-object-type="person" data-object-id="${bot.id}">${bot.displayName}</spark-mention> ${text}</p>`,
              mentionedPeople: [bot.id],
            }
          : {}),
        ...(options.parentId === undefined ? {} : { parentId: options.parentId }),
        created: now(),
      };
      messages.set(message.id, message);
      return message;
    },
    submit(person, card, inputs) {
      const action: FakeAttachmentAction = {
        id: webexId('ATTACHMENT_ACTION'),
        type: 'submit',
        messageId: card.id,
        inputs,
        personId: person.id,
        roomId: card.roomId,
        created: now(),
      };
      actions.set(action.id, action);
      return action;
    },
    delivery(item) {
      const isAction = 'inputs' in item;
      const resource = isAction ? 'attachmentActions' : 'messages';
      const hook =
        webhooks.find((w) => w.resource === resource) ?? webhooks.find((w) => w.resource === 'all');
      const data: Record<string, unknown> = isAction
        ? {
            id: item.id,
            type: 'submit',
            messageId: item.messageId,
            personId: item.personId,
            roomId: item.roomId,
          }
        : { id: item.id, roomId: item.roomId, roomType: item.roomType, personId: item.personId };
      return {
        id: hook?.id ?? webexId('WEBHOOK'),
        name: hook?.name ?? 'unregistered',
        targetUrl: hook?.targetUrl ?? '',
        resource,
        event: 'created',
        orgId: ORG,
        createdBy: bot.id,
        appId: webexId('APPLICATION'),
        ownedBy: 'creator',
        status: 'active',
        created: now(),
        actorId: item.personId,
        data,
      };
    },
    botMessages() {
      return [...messages.values()].filter((m) => m.personId === bot.id);
    },
    since(from) {
      return server.requests.slice(from);
    },
    fault: (fault, match) => server.fault(fault, match),
    clearFaults: () => server.clearFaults(),
    close: () => server.close(),
  };
}
