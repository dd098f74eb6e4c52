// The Worker's entry. It keeps one instance of the signer module per isolate
// and hands /config (and /all) to it; everything else, the cron trigger and
// /config without a usable ticket go to the Go program on syumai/workers.
//
// This file carries bytes only: it frames the request for the module and
// turns the module's answer into a Response. Validation and signing live in
// Go (core/, compiled into build/signer.wasm). The ABI is documented in
// wasm/signer.
import { NEED_TICKET, Signer } from "./signer.mjs";
import signerModule from "../build/signer.wasm";
import goWorker from "../build/go/worker.mjs";

const MAX_BODY = 16 << 10; // the module refuses more with 413
const RECORD_TTL_MS = 60_000; // re-read the ticket from KV at most once a minute
const RECORD_HEADER = "x-wxsign-record"; // the Go cold path hands its fresh record back here

// The signer is made in global scope, which Workers run before the first
// request (on Cloudflare, during the TLS handshake): starting the Go runtime
// and compiling the hot path then costs no request anything. Workers forbid
// random values there; the module needs none until it signs (see
// signer.mjs). Should it fail anyway, the first /config makes it instead.
let signer = startSigner();
let ticket = ""; // the jsapi_ticket record, as stored in KV
let ticketReadAt = -Infinity;
let coldStart = null; // the one cold-path request in flight in this isolate

const NO_BODY = new Uint8Array(0);

function startSigner() {
  try {
    return new Signer(signerModule, { startup: true });
  } catch (e) {
    console.log(`wxsign: signer not started in global scope (${e && e.name}: ${e && e.message}); the first /config starts it`);
    return null;
  }
}

async function readBody(request) {
  if (request.body === null) return NO_BODY;
  // Read at most MAX_BODY + 1 bytes: enough for the module to say 413.
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  while (size <= MAX_BODY) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  reader.cancel().catch(() => {});
  const body = new Uint8Array(Math.min(size, MAX_BODY + 1));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, body.length - at);
    body.set(part, at);
    at += part.length;
    if (at === body.length) break;
  }
  return body;
}

function ticketKey(env) {
  return `wxsign:${env.WECHAT_APPID || ""}:jsapi_ticket`;
}

// kvGet reads KV. WXSIGN_TEST_KV_FAULT / _AT make it fail, for the tests of
// what the Worker does when KV does (the Go side honours the same variables).
function kvGet(env, key) {
  const fault = env.WXSIGN_TEST_KV_FAULT ?? "";
  if (fault.includes("read") && Date.now() / 1000 >= Number(env.WXSIGN_TEST_KV_FAULT_AT ?? 0)) {
    return Promise.reject(new Error("KV failure injected by WXSIGN_TEST_KV_FAULT"));
  }
  return env.WXSIGN_KV.get(key);
}

async function refreshTicket(env, nowMs) {
  if (nowMs - ticketReadAt < Number(env.WXSIGN_TEST_RECORD_TTL_MS ?? RECORD_TTL_MS)) return;
  ticketReadAt = nowMs; // failed or not, the next read is due a minute later
  try {
    ticket = (await kvGet(env, ticketKey(env))) ?? "";
  } catch (e) {
    // KV unavailable: keep serving the record in memory while it is valid
    // (the module checks its expiry).
    console.log(`wxsign: KV read failed, serving the ticket in memory: ${e.message}`);
  }
}

function sign(env, request, body) {
  return signer.config([
    request.method,
    request.url,
    request.headers.get("content-type") ?? "",
    request.headers.get("origin") ?? "",
    body,
    ticket,
    env.WECHAT_APPID ?? "",
    env.ALLOWED_HOSTS ?? "",
    env.ALLOWED_ORIGINS ?? "",
  ], Math.floor(Date.now() / 1000));
}

// withoutRecord drops the internal header before a Go answer leaves the Worker.
function withoutRecord(res) {
  if (!res.headers.has(RECORD_HEADER)) return res;
  const out = new Response(res.body, res);
  out.headers.delete(RECORD_HEADER);
  return out;
}

async function config(request, env, ctx) {
  // The KV read (at most once a minute) is started first, so that a signer
  // made here (if global scope could not) is made while KV answers.
  const reading = refreshTicket(env, Date.now());
  signer ??= new Signer(signerModule);
  const body = request.method === "POST" ? await readBody(request) : NO_BODY;
  await reading;
  let r = sign(env, request, body);
  if (!(r & NEED_TICKET)) return signer.response(r);

  // No usable ticket: one Go cold path per isolate fetches and stores it;
  // requests arriving meanwhile wait for it instead of calling WeChat too.
  let pending = coldStart;
  if (pending === null) {
    const forward = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.method === "POST" ? body : null,
    });
    pending = coldStart = goCold(forward, env, ctx).finally(() => {
      coldStart = null;
    });
    const c = await pending;
    return new Response(c.text, c);
  }
  const c = await pending;
  r = sign(env, request, body);
  if (!(r & NEED_TICKET) || c.status === 200) return signer.response(r);
  return new Response(c.text, c); // the cold path's error: WeChat's code and message
}

async function goCold(request, env, ctx) {
  const res = await goWorker.fetch(request, env, ctx);
  const rec = res.headers.get(RECORD_HEADER);
  if (rec) {
    ticket = rec;
    ticketReadAt = Date.now();
  }
  const headers = new Headers(res.headers);
  headers.delete(RECORD_HEADER);
  return { status: res.status, headers, text: await res.text() };
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
      const { pathname } = new URL(request.url);
      // WXSIGN_BENCH_GO_PATH sends /config to the Go program too, so that
      // `make bench` can measure that path beside the hot one.
      if ((pathname === "/config" || pathname === "/all") && !env.WXSIGN_BENCH_GO_PATH) {
        return await config(request, env, ctx);
      }
      return withoutRecord(await goWorker.fetch(request, env, ctx));
    } catch (e) {
      return internalError(e);
    }
  },
  scheduled(event, env, ctx) {
    return goWorker.scheduled(event, env, ctx);
  },
};
