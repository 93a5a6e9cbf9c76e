// A real ActivityPub server for the federation tests, written with Fedify: another
// server's person, alice, who finds the forum's communities, follows them and replies in
// them, and keeps every activity she receives once Fedify has verified who sent it.
//
//   node peer.mjs --port N [--stop-with-stdin]
//
// It listens on http://127.0.0.1:N and prints "listening on http://127.0.0.1:N" when
// ready. With --stop-with-stdin it stops when its stdin closes (the test passes a pipe,
// so the peer stops with the test run even when that is killed).
//
// Fedify does the ActivityPub: alice's actor document (a Person with an RSA key, as
// Mastodon expects, and an Ed25519 one), WebFinger, signing what she sends (HTTP
// Signatures, draft-cavage) and verifying what she receives. Fedify hands an activity to
// the inbox listener only after it verified it (an HTTP signature by a key its actor
// owns, or a Linked Data signature or integrity proof, which the forum does not make);
// anything else it answers 401 and never records. Each record also names the key whose
// HTTP signature Fedify's verifyRequest() accepted. Nothing is queued: activities are
// sent, and received ones handled, within the request.
//
// The control API (plain JSON, same port) is what a person on this server would do:
//   POST /control/lookup  {"handle": "leesclub@127.0.0.1:5000"}  -> the actor Fedify found
//   POST /control/follow  {"handle": ...}                         -> Follow sent to its inbox
//   POST /control/reply   {"inReplyTo": url, "to": group id, "content": "<p>...</p>"}
//                                                                  -> Create(Note) sent
//   POST /control/prepare-reply  (as reply, plus "inbox": url)     -> the signed request
//                          as it would be sent ({url, headers, body}), not sent: for tests
//                          that spoil a delivery on purpose
//   GET  /control/received -> every verified activity received, oldest first
// A failed delivery answers 502 with {"error": ...}: what the other server answered.

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import {
  Activity,
  Create,
  Endpoints,
  Follow,
  MemoryKvStore,
  Note,
  Person,
  PUBLIC_COLLECTION,
  createFederation,
  generateCryptoKeyPair,
  signRequest,
  verifyRequest,
} from '@fedify/fedify';
import { Temporal } from '@js-temporal/polyfill';
import { configure, getConsoleSink } from '@logtape/logtape';

const { values: options } = parseArgs({
  options: {
    port: { type: 'string' },
    'stop-with-stdin': { type: 'boolean', default: false },
  },
});
const port = Number.parseInt(options.port ?? '', 10);
if (!Number.isInteger(port) || port <= 0) {
  throw new Error('say which port: node peer.mjs --port N');
}
const origin = `http://127.0.0.1:${port}`;
const ALICE = 'alice';
const ALICE_NAME = 'Alice Zandvoort';

// Fedify's warnings and errors (a delivery that failed, a signature that did not verify)
// go to stderr, which the tests keep in the peer's log.
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { console: getConsoleSink() },
  loggers: [
    { category: 'fedify', sinks: ['console'], lowestLevel: 'info' },
    { category: ['logtape', 'meta'], sinks: ['console'], lowestLevel: 'warning' },
  ],
});

// Fedify's WebFinger client always asks https://HOST/.well-known/webfinger for an acct:
// name; the forum under test serves plain http on loopback. Requests to loopback
// addresses go over http; nothing else is changed.
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.protocol === 'https:' && LOOPBACK.has(url.hostname)) {
    url.protocol = 'http:';
    return realFetch(input instanceof Request ? new Request(url, input) : url, init);
  }
  return realFetch(input, init);
};

const keyPairs = [
  await generateCryptoKeyPair('RSASSA-PKCS1-v1_5'),
  await generateCryptoKeyPair('Ed25519'),
];

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  // The forum under test is on 127.0.0.1: Fedify refuses private addresses otherwise.
  allowPrivateAddress: true,
});

federation
  .setActorDispatcher('/users/{identifier}', async (ctx, identifier) => {
    if (identifier !== ALICE) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: ALICE_NAME,
      summary: 'Reads along from another server.',
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
    });
  })
  .mapHandle((_ctx, username) => (username === ALICE ? ALICE : null))
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === ALICE ? keyPairs : []));

// alice's notes, so that whoever gets one by its id can fetch it.
const notes = new Map();
federation.setObjectDispatcher(Note, '/users/{identifier}/notes/{id}', (_ctx, values) =>
  values.identifier === ALICE ? notes.get(values.id) ?? null : null,
);

// What the HTTP layer found out about the request being handled: the key whose HTTP
// signature Fedify's verifyRequest() accepted, for the inbox listener to record.
const requestInfo = new AsyncLocalStorage();
const received = [];

function typeName(object) {
  return object?.constructor?.name ?? null;
}

function text(value) {
  return value == null ? null : value.toString();
}

// An object as Fedify parsed it, following `object` two levels down (an Announce of a
// Create of a Note). An object given only by its id is fetched, as Fedify does.
async function describe(object, ctx, depth = 0) {
  if (object == null) return null;
  const description = {
    type: typeName(object),
    id: object.id?.href ?? null,
    name: text(object.name),
    content: text(object.content),
    inReplyTo: object.replyTargetId?.href ?? null,
    attributedTo: object.attributionId?.href ?? null,
    audience: object.audienceId?.href ?? null,
    to: object.toIds?.map((id) => id.href) ?? [],
    cc: object.ccIds?.map((id) => id.href) ?? [],
  };
  if (object instanceof Activity) {
    description.actor = object.actorId?.href ?? null;
    description.object = object.objectId?.href ?? null;
    if (depth < 2) {
      try {
        const inner = await object.getObject({
          documentLoader: ctx.documentLoader,
          contextLoader: ctx.contextLoader,
        });
        if (inner != null) description.object = await describe(inner, ctx, depth + 1);
      } catch (error) {
        description.objectError = String(error);
      }
    }
  }
  return description;
}

federation
  .setInboxListeners('/users/{identifier}/inbox', '/inbox')
  .on(Activity, async (ctx, activity) => {
    // Only reached once Fedify verified the activity; an error here would answer 500.
    const info = requestInfo.getStore() ?? {};
    let description;
    try {
      description = await describe(activity, ctx);
    } catch (error) {
      description = { type: typeName(activity), error: String(error) };
    }
    received.push({
      ...description,
      recipient: ctx.recipient,
      inbox: info.path ?? null,
      signature: info.signature ?? null,
      json: info.json ?? null,
      receivedAt: new Date().toISOString(),
    });
  });

// -- the control API ---------------------------------------------------------------------

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function context() {
  return federation.createContext(new URL(origin), undefined);
}

function need(body, ...names) {
  for (const name of names) {
    if (typeof body[name] !== 'string' || body[name] === '') {
      throw new ControlError(400, `"${name}" is required`);
    }
  }
}

async function lookUp(ctx, identifier) {
  const found = await ctx.lookupObject(identifier);
  if (found == null) throw new ControlError(404, `Fedify found nothing for ${identifier}`);
  return found;
}

async function pem(cryptoKey) {
  const der = Buffer.from(await crypto.subtle.exportKey('spki', cryptoKey)).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${der.match(/.{1,64}/g).join('\n')}\n-----END PUBLIC KEY-----\n`;
}

async function actorSummary(ctx, actor) {
  const key = await actor.getPublicKey({
    documentLoader: ctx.documentLoader,
    contextLoader: ctx.contextLoader,
  });
  return {
    type: typeName(actor),
    id: actor.id?.href ?? null,
    name: text(actor.name),
    preferredUsername: text(actor.preferredUsername),
    summary: text(actor.summary),
    inbox: actor.inboxId?.href ?? null,
    sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
    followers: actor.followersId?.href ?? null,
    publicKey:
      key == null
        ? null
        : {
            id: key.id?.href ?? null,
            owner: key.ownerId?.href ?? null,
            pem: key.publicKey == null ? null : await pem(key.publicKey),
          },
  };
}

async function send(ctx, recipient, activity) {
  try {
    await ctx.sendActivity({ identifier: ALICE }, recipient, activity);
  } catch (error) {
    throw new ControlError(502, String(error?.message ?? error));
  }
}

function newReply(ctx, body) {
  need(body, 'inReplyTo', 'to', 'content');
  const alice = ctx.getActorUri(ALICE);
  const id = randomUUID();
  const noteId = ctx.getObjectUri(Note, { identifier: ALICE, id });
  const addressing = { to: new URL(body.to), ccs: [PUBLIC_COLLECTION] };
  const published = Temporal.Now.instant();
  const note = new Note({
    id: noteId,
    attribution: alice,
    content: body.content,
    replyTarget: new URL(body.inReplyTo),
    audience: new URL(body.to),
    published,
    ...addressing,
  });
  notes.set(id, note);
  const create = new Create({
    id: new URL(`${noteId.href}#create`),
    actor: alice,
    object: note,
    audience: new URL(body.to),
    published,
    ...addressing,
  });
  return { note, create };
}

const control = {
  'GET /control/received': async () => received,

  'POST /control/lookup': async (body) => {
    need(body, 'handle');
    const ctx = context();
    return actorSummary(ctx, await lookUp(ctx, body.handle));
  },

  'POST /control/follow': async (body) => {
    need(body, 'handle');
    const ctx = context();
    const target = await lookUp(ctx, body.handle);
    const follow = new Follow({
      id: new URL(`${origin}/follows/${randomUUID()}`),
      actor: ctx.getActorUri(ALICE),
      object: target.id,
    });
    await send(ctx, target, follow);
    return { id: follow.id.href, actor: ctx.getActorUri(ALICE).href, object: target.id.href };
  },

  'POST /control/reply': async (body) => {
    const ctx = context();
    const recipient = await lookUp(ctx, body.to ?? '');
    const { note, create } = newReply(ctx, body);
    await send(ctx, recipient, create);
    return { id: create.id.href, note: note.id.href };
  },

  'POST /control/prepare-reply': async (body) => {
    need(body, 'inbox');
    const ctx = context();
    const { note, create } = newReply(ctx, body);
    const json = await create.toJsonLd({ contextLoader: ctx.contextLoader, format: 'compact' });
    const unsigned = new Request(body.inbox, {
      method: 'POST',
      headers: { 'Content-Type': 'application/activity+json', Accept: 'application/activity+json' },
      body: JSON.stringify(json),
    });
    const [rsa] = await ctx.getActorKeyPairs(ALICE);
    const signed = await signRequest(unsigned, rsa.privateKey, rsa.keyId);
    return {
      id: create.id.href,
      note: note.id.href,
      url: signed.url,
      headers: Object.fromEntries(signed.headers),
      body: await signed.text(),
    };
  },
};

// -- serving -----------------------------------------------------------------------------

function json(status, value) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

async function answerControl(request, path) {
  const handler = control[`${request.method} ${path}`];
  if (handler === undefined) return json(404, { error: `no ${request.method} ${path}` });
  let body = {};
  if (request.method === 'POST') {
    try {
      body = await request.json();
    } catch {
      return json(400, { error: 'the body is not JSON' });
    }
  }
  try {
    return json(200, await handler(body));
  } catch (error) {
    const status = error instanceof ControlError ? error.status : 500;
    return json(status, { error: String(error?.message ?? error) });
  }
}

// Before Fedify handles a delivery: which key signed it, by Fedify's own verifyRequest()
// (null when it does not verify), and the body exactly as it came.
async function inspectDelivery(request, path) {
  const ctx = federation.createContext(request.clone(), undefined);
  let signature = null;
  const key = await verifyRequest(request.clone(), {
    documentLoader: ctx.documentLoader,
    contextLoader: ctx.contextLoader,
  });
  if (key != null) signature = { keyId: key.id?.href ?? null, owner: key.ownerId?.href ?? null };
  let body = null;
  try {
    body = JSON.parse(await request.clone().text());
  } catch {
    body = null;
  }
  return { path, signature, json: body };
}

async function answer(request) {
  const path = new URL(request.url).pathname;
  if (path.startsWith('/control/')) return answerControl(request, path);
  const handle = () =>
    federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response('Not found', { status: 404 }),
      onNotAcceptable: () => new Response('Not acceptable', { status: 406 }),
    });
  if (request.method === 'POST' && path.endsWith('/inbox')) {
    return requestInfo.run(await inspectDelivery(request, path), handle);
  }
  return handle();
}

function toRequest(incoming, body) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const hasBody = !['GET', 'HEAD'].includes(incoming.method);
  return new Request(new URL(incoming.url, origin), {
    method: incoming.method,
    headers,
    body: hasBody ? body : undefined,
  });
}

const server = createServer((incoming, outgoing) => {
  const chunks = [];
  incoming.on('data', (chunk) => chunks.push(chunk));
  incoming.on('end', async () => {
    let response;
    try {
      response = await answer(toRequest(incoming, Buffer.concat(chunks)));
    } catch (error) {
      console.error(error);
      response = new Response(String(error), { status: 500 });
    }
    const body = Buffer.from(await response.arrayBuffer());
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(body);
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${origin}`);
});

if (options['stop-with-stdin']) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
process.on('SIGTERM', () => process.exit(0));
