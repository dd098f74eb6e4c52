// The Worker's entry. It keeps one instance of the signer module per isolate
// and hands it every request; the module routes it, answers it, or says what
// it needs first: records read from Workers KV, a record the Go program
// (syumai/workers) fetches from WeChat, a rate-limit verdict, or the request
// forwarded to the Go program. The cron trigger goes to the Go program.
//
// This file carries bytes only. Routes, settings, KV key names, validation
// and signing all live in Go (core/, compiled into build/signer.wasm); the
// ABI is documented in wasm/signer.
import { env as globalEnv } from "cloudflare:workers";
import { FETCH, FORWARD, LIMIT, READ, Signer } from "./signer.mjs";
import signerModule from "../build/signer.wasm";
import goWorker from "../build/go/worker.mjs";

const TURNS = 8; // a request needs at most read, limit, fetch: more is a bug
const NO_BODY = new Uint8Array(0);

// The signer is made in global scope, which Workers run before the first
// request (on Cloudflare, during the TLS handshake): starting the Go runtime,
// parsing the settings and compiling the hot path then cost no request
// anything. Workers forbid random values there; the module needs none until
// it signs (see signer.mjs). Should it fail anyway, the first request makes
// it instead.
let signer = startSigner();
let signerEnv = null; // the environment the signer was handed
let internal = ""; // this isolate's token for its own calls to the Go program
const fetching = new Map(); // KV key -> the one cold-path fetch in flight in this isolate
const reading = new Map(); // KV key -> the one KV read in flight in this isolate

function startSigner() {
  try {
    const s = new Signer(signerModule, { startup: true });
    s.env(globalEnv); // the first request's env holds the same: it is not parsed again
    return s;
  } catch (e) {
    console.log(`wxsign: signer not started in global scope (${e && e.name}: ${e && e.message}); the first request starts it`);
    return null;
  }
}

// readBody reads at most cap bytes. A body whose Content-Length is over cap
// is not read at all (the module refuses it by its length); one without a
// length is read to its end, the bytes past cap dropped: cancelling it
// midway restarted the worker under the next request (workerd, 503).
async function readBody(request, cap) {
  if (request.body === null) return NO_BODY;
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > cap) return NO_BODY;
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size < cap) chunks.push(value);
    size += value.length;
  }
  const body = new Uint8Array(Math.min(size, cap));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, body.length - at);
    body.set(part, at);
    at += part.length;
  }
  return body;
}

// goEnv is the environment the Go program runs with: the Worker's, plus a
// fetch that sends request bodies with a length (syumai/workers streams
// them, and WeChat's gateway refuses chunked bodies with HTTP 412), plus,
// for this isolate's own calls, its internal token.
function goEnv(env, withInternal) {
  const extra = { WXSIGN_FETCH: { fetch: fixedLengthFetch } };
  if (withInternal) extra.WXSIGN_INTERNAL = internal;
  return { ...env, ...extra };
}

async function fixedLengthFetch(request, init) {
  const body = request.body === null ? null : await request.arrayBuffer();
  return fetch(request.url, { method: request.method, headers: request.headers, body, redirect: init?.redirect });
}

// read reads a record from KV for the module; requests that need the same
// key meanwhile wait for this one read.
function read(env, key) {
  let pending = reading.get(key);
  if (pending === undefined) {
    pending = readOnce(env, key).finally(() => reading.delete(key));
    reading.set(key, pending);
  }
  return pending;
}

async function readOnce(env, key) {
  try {
    const value = await env.WXSIGN_KV.get(key);
    if (value === null) signer.record(key, "absent");
    else signer.record(key, "kv", value);
  } catch (e) {
    // KV unavailable: the module keeps serving the record it holds while it is valid.
    console.log(`wxsign: KV read failed: ${e.message}`);
    signer.record(key, "unreadable");
  }
}

// coldFetch asks the Go program for a record, at the path and with the
// header the module named; requests that need the same
// key meanwhile wait for this one fetch, then each gets its own answer.
function coldFetch(env, ctx, key, path, header, url) {
  let pending = fetching.get(key);
  if (pending === undefined) {
    internal ||= crypto.randomUUID();
    const req = new Request(new URL(path, url), { headers: { [header]: internal } });
    pending = goWorker
      .fetch(req, goEnv(env, true), ctx)
      .then(async (res) => {
        const text = await res.text();
        if (res.status === 200) signer.record(key, "fetched", text);
        else signer.record(key, "failed", text, res.headers.get("retry-after") ?? "");
      })
      .finally(() => fetching.delete(key));
    fetching.set(key, pending);
  }
  return pending;
}

async function serve(request, env, ctx) {
  signer ??= new Signer(signerModule);
  if (signerEnv !== env) {
    signer.env(env);
    signerEnv = env;
  }
  const body = await readBody(request, signer.bodyCap);
  const fields = [request.method, request.url];
  for (const name of signer.headers) fields.push(request.headers.get(name) ?? "");
  fields.push(body, "");
  for (let turn = 0; turn < TURNS; turn++) {
    const r = signer.serve(fields, Math.floor(Date.now() / 1000));
    switch (r >>> 16) {
      case READ:
        await Promise.all(signer.text(r).split("\n").map((key) => read(env, key)));
        break;
      case FETCH: {
        const [key, path, header] = signer.text(r).split("\n");
        await coldFetch(env, ctx, key, path, header, request.url);
        break;
      }
      case LIMIT: {
        const [binding, key] = signer.text(r).split("\n");
        const { success } = await env[binding].limit({ key });
        fields[fields.length - 1] = success ? "1" : "0";
        break;
      }
      case FORWARD: {
        // A GET or HEAD may arrive with a body, but a Request made with
        // one throws: the Go program reads none for them anyway.
        const bodyless = request.method === "GET" || request.method === "HEAD";
        const forward = new Request(request.url, {
          method: request.method,
          headers: request.headers,
          body: body.length > 0 && !bodyless ? body : null,
        });
        return goWorker.fetch(forward, goEnv(env, false), ctx);
      }
      default:
        return signer.response(r);
    }
  }
  throw new Error("the signer asked for too many turns");
}

// internalError is the answer when something below throws: JSON, without
// internals, and the isolate goes on serving.
function internalError(e) {
  console.log(`wxsign: internal error: ${e && e.name}`);
  return new Response('{"errcode":1060,"errmsg":"internal error"}', {
    status: 500,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

export default {
  async fetch(request, env, ctx) {
    try {
      return await serve(request, env, ctx);
    } catch (e) {
      return internalError(e);
    }
  },
  scheduled(event, env, ctx) {
    return goWorker.scheduled(event, goEnv(env, false), ctx);
  },
};
