'use strict';
/*
 * Artillery processor for chat.yml: the parts YAML cannot say. Plain CommonJS on purpose: Artillery require()s it,
 * and a tester who copies this folder should not need the monorepo's build. Settings come from the environment
 * (TWINPROOF_*), as Artillery's own scenarios usually take them.
 *
 * Why a function for the turn instead of the engine's `emit` + `response`: a Twinproof turn is an acked
 * `message:send` followed by a stream of `message:token` and one `message:done`, in either order relative to the
 * ack. The socketio-v3 engine can wait for the ack or for one event, not both, and it cannot time the first token.
 */
const { readFileSync } = require('node:fs');
const { randomUUID } = require('node:crypto');
const { threadId } = require('node:worker_threads');

const NAMESPACE = '/chat';

function env(name, fallback) {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function targetOf(context) {
  return String(context.vars.target || env('TWINPROOF_URL', 'http://localhost:3000')).replace(/\/+$/, '');
}

async function callApi(url, method, path, key, body) {
  const response = await fetch(url + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const code = (parsed.error && parsed.error.code) || `HTTP_${response.status}`;
    throw Object.assign(
      new Error(`${method} ${path}: ${code} ${(parsed.error && parsed.error.message) || ''}`),
      {
        code,
      },
    );
  }
  return parsed;
}

/**
 * `before` hook, once per run in Artillery's main thread: the persona every virtual user chats with. An existing
 * one (TWINPROOF_PERSONA, id or slug), else a new unlisted one made with TWINPROOF_CREATOR_KEY (a creator's API key;
 * `npm start` writes one to .data/demo-creator.json). Its id reaches every worker as {{ personaId }}.
 */
function preparePersona(context, events, done) {
  // A plain function with a callback: Artillery 2 calls an async one without `done`, Artillery 1 only with it.
  findOrCreatePersona(context).then(
    (id) => {
      context.vars.personaId = id;
      done();
    },
    (error) => {
      console.error(`preparePersona: ${error.message}`);
      done(error);
    },
  );
}

async function findOrCreatePersona(context) {
  const url = targetOf(context);
  const slug = env('TWINPROOF_PERSONA');
  const creatorKey = env('TWINPROOF_CREATOR_KEY');
  if (slug) {
    // Reading a persona needs a key; any key the run has will do.
    const key = creatorKey || firstKeyOfFile();
    const found = await callApi(url, 'GET', `/v1/personas/${encodeURIComponent(slug)}`, key);
    return found.id;
  }
  if (!creatorKey)
    throw new Error(
      'No persona: set TWINPROOF_PERSONA (id or slug) or TWINPROOF_CREATOR_KEY (a creator key, e.g. ' +
        'the apiKey in .data/demo-creator.json that npm start writes).',
    );
  const modelId = env('TWINPROOF_MODEL_ID');
  const created = await callApi(url, 'POST', '/v1/personas', creatorKey, {
    name: `Artillery ${new Date().toISOString()}`,
    description: 'Created by load/artillery/chat.yml.',
    personality: 'brisk, friendly',
    firstMessage: 'Hi! What shall we talk about?',
    tags: ['load-test'],
    // Kept out of public search.
    visibility: 'unlisted',
    ...(modelId ? { modelId } : {}),
    ...(env('TWINPROOF_VERIFICATION') ? { verification: env('TWINPROOF_VERIFICATION') } : {}),
  });
  return created.id;
}

let keysFileUsers;
/** chat-load's --keys-file format: { "users": [{ "handle", "apiKey" }] }. */
function readKeysFile() {
  if (keysFileUsers) return keysFileUsers;
  const path = env('TWINPROOF_KEYS_FILE');
  if (!path) return (keysFileUsers = []);
  const parsed = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(parsed.users)) throw new Error(`${path} has no "users" array`);
  keysFileUsers = parsed.users.filter((u) => u && typeof u.apiKey === 'string');
  if (keysFileUsers.length === 0) throw new Error(`${path} lists no users with an apiKey`);
  return keysFileUsers;
}

function firstKeyOfFile() {
  const users = readKeysFile();
  return users.length > 0 ? users[0].apiKey : undefined;
}

// Round-robin over the file's users; each worker thread starts at a different place so that workers spread out.
let nextUser = threadId * 7919;

/**
 * Who this virtual user is: the next account of TWINPROOF_KEYS_FILE, or (no file) a fresh handle to sign up with,
 * which the scenario does over HTTP when {{ needSignup }} is true.
 */
function pickUser(context, events, done) {
  try {
    const users = readKeysFile();
    if (users.length > 0) {
      const user = users[nextUser++ % users.length];
      context.vars.apiKey = user.apiKey;
      context.vars.handle = user.handle;
      context.vars.needSignup = false;
    } else {
      context.vars.handle = `art-${randomUUID().slice(0, 18)}`;
      context.vars.needSignup = true;
    }
    return done();
  } catch (error) {
    return done(error);
  }
}

/** afterResponse hook: the engine delegates HTTP to Artillery 1's engine, whose timings Artillery 2 does not report. */
function recordHttp(requestParams, response, context, events, next) {
  const path = new URL(requestParams.url, 'http://x').pathname;
  const name = path.replace(/^\/v1\//, '').replace(/\//g, '_');
  const timings = response.timings && response.timings.phases;
  if (timings && typeof timings.total === 'number')
    events.emit('histogram', `twinproof.http.${name}`, timings.total);
  events.emit('counter', `twinproof.http.codes.${response.statusCode}`, 1);
  return next();
}

/**
 * One turn: send a message on the user's /chat socket, wait for the ack and the reply's message:done, and record
 * ack, time to first token, time per output token and time to done, all measured from the moment of sending.
 * A refusal (ack ok: false, message:error) is counted and the user carries on; a timeout or a lost connection ends
 * the virtual user, since a reply may still be streaming and the next send would only be refused as busy.
 */
function sendTurn(context, events, done) {
  const socket = context.sockets && context.sockets[NAMESPACE];
  if (!socket || !socket.connected)
    return done(Object.assign(new Error('DISCONNECTED'), { code: 'DISCONNECTED' }));
  const conversationId = context.vars.conversationId;
  const timeoutMs = Number(env('TWINPROOF_TURN_TIMEOUT_S', '60')) * 1000;
  const content = env('TWINPROOF_MESSAGE', 'Tell me something interesting about load testing.');

  let messageId; // known from the ack, or from the first event if it beats the ack
  let acked = false;
  let finished = false;
  let firstTokenAt;
  let doneEvent;
  let doneAt;
  const sentAt = performance.now();

  const ours = (e) =>
    e.conversationId === conversationId && (messageId === undefined || e.messageId === messageId);
  const onToken = (e) => {
    if (!ours(e)) return;
    firstTokenAt ??= performance.now();
  };
  const onDone = (e) => {
    if (!ours(e)) return;
    doneAt = performance.now();
    doneEvent = e;
    if (acked) finish();
  };
  const onError = (e) => {
    if (!ours(e)) return;
    finish((e.error && e.error.code) || 'MESSAGE_ERROR', false);
  };
  const onDisconnect = () => finish('DISCONNECTED', true);
  const timer = setTimeout(() => finish('TIMEOUT', true), timeoutMs);

  function finish(code, fatal) {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('message:token', onToken);
    socket.off('message:done', onDone);
    socket.off('message:error', onError);
    socket.off('disconnect', onDisconnect);
    if (code === undefined) {
      if (firstTokenAt !== undefined) events.emit('histogram', 'twinproof.ttft', firstTokenAt - sentAt);
      events.emit('histogram', 'twinproof.time_to_done', doneAt - sentAt);
      const tokens = doneEvent.usage && doneEvent.usage.completionTokens;
      if (tokens > 1 && firstTokenAt !== undefined)
        events.emit('histogram', 'twinproof.tpot', (doneAt - firstTokenAt) / (tokens - 1));
      if (tokens > 0) events.emit('counter', 'twinproof.tokens', tokens);
      const serverTtft = doneEvent.timings && doneEvent.timings.ttftMs;
      if (typeof serverTtft === 'number') events.emit('histogram', 'twinproof.server_ttft', serverTtft);
      events.emit('counter', 'twinproof.turns.completed', 1);
      return done();
    }
    if (fatal) return done(Object.assign(new Error(code), { code }));
    events.emit('error', code);
    return done();
  }

  socket.on('message:token', onToken);
  socket.on('message:done', onDone);
  socket.on('message:error', onError);
  socket.on('disconnect', onDisconnect);
  events.emit('counter', 'twinproof.turns.sent', 1);
  socket.emit('message:send', { conversationId, content, clientMessageId: randomUUID() }, (ack) => {
    events.emit('histogram', 'twinproof.ack', performance.now() - sentAt);
    acked = true;
    if (!ack || !ack.ok) return finish((ack && ack.error && ack.error.code) || 'SEND_REFUSED', false);
    messageId = ack.assistantMessageId;
    if (doneEvent !== undefined) {
      // message:done beat the ack: it counts only if it was this message's.
      if (doneEvent.messageId === messageId) finish();
      else doneEvent = undefined;
    }
  });
}

module.exports = { preparePersona, pickUser, recordHttp, sendTurn };
