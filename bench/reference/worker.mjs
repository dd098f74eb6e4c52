// The benchmark's reference: a minimal hand-written JavaScript Worker doing
// wxsign's job — /config (the jsapi_ticket from KV, kept in memory and
// re-read once a minute, fetched from WeChat with its token when KV has
// none usable), the cron (every credential that is due fetched from WeChat,
// KV written only on change), /token and /ticket for holders of API_KEY,
// and /healthz (the credentials' KV records as JSON) — the way wxsign's
// edge/service and core/cred/vault.go do it, with none of wxsign's other checks.
// It is kept with the benchmark, never shipped.
let ticket = null;
let readAt = -Infinity;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const enc = new TextEncoder();

// The credentials of one official account, tokens first. The stable token
// is renewed by WeChat only in its last 300 s, so its margin is capped there.
const TOKEN = { name: "access_token", margin: (m) => Math.min(m, 290) };
const TICKET = { name: "jsapi_ticket", type: "jsapi", token: TOKEN, margin: (m) => m };
const CARD = { name: "wx_card_ticket", type: "wx_card", token: TOKEN, lazy: true, margin: (m) => m };
const KINDS = [TOKEN, TICKET, CARD];
const SAFETY = 10; // seconds taken off WeChat's expires_in
const TIMEOUT = 8000; // ms, per WeChat call

function settings(env) {
  const problems = [];
  if (!env.WECHAT_APPID) problems.push("WECHAT_APPID is not set");
  if (!env.WECHAT_APPSECRET) problems.push("WECHAT_APPSECRET is not set");
  return {
    appid: env.WECHAT_APPID ?? "",
    secret: env.WECHAT_APPSECRET ?? "",
    base: (env.WECHAT_API_BASE || "https://api.weixin.qq.com").replace(/\/+$/, ""),
    classic: env.WECHAT_TOKEN_MODE === "classic",
    margin: Number(env.REFRESH_MARGIN) || 1800,
    apiKey: env.API_KEY ?? "",
    problems,
  };
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      ...headers,
    },
  });
}

const usable = (r, now) => r.value !== "" && now < r.expires_at;
const due = (r, now, margin) => !usable(r, now) || r.expires_at - now < margin;
const backoff = (n) => Math.min(30 * 2 ** (n - 1), 600);

class WeChatError extends Error {
  constructor(code, msg) {
    super(msg);
    this.code = code;
  }
}

// A pass is one request's or one cron run's view of KV: each record read
// once, written only when it changed.
class Pass {
  constructor(env, s, now) {
    this.env = env;
    this.s = s;
    this.now = now;
    this.recs = new Map();
  }

  key(kind) {
    return `wxsign:${this.s.appid}:${kind.name}`;
  }

  async load(kind) {
    let r = this.recs.get(kind);
    if (r === undefined) {
      r = { value: "", expires_at: 0, fetched_at: 0 };
      const raw = await this.env.WXSIGN_KV.get(this.key(kind));
      if (raw !== null) {
        try {
          r = { ...r, ...JSON.parse(raw) };
        } catch {} // a damaged record leads to a refresh
      }
      this.recs.set(kind, r);
    }
    return r;
  }

  // get is the request path: a usable record as it is, else a fetch
  // (unless failed fetches are backing off).
  async get(kind) {
    const r = await this.load(kind);
    if (usable(r, this.now)) return r;
    if (this.now < (r.next_attempt ?? 0)) throw new WeChatError(r.last_errcode || 1052, r.last_error || "WeChat is unavailable");
    await this.refresh(kind, false);
    return this.recs.get(kind);
  }

  // refresh fetches kind with a usable token; when WeChat refuses the
  // token, it buys a new one once and retries once.
  async refresh(kind, force) {
    const r = await this.load(kind);
    let rec;
    try {
      const token = kind.token ? (await this.get(kind.token)).value : "";
      try {
        rec = await this.fetch(kind, token, force);
      } catch (e) {
        if (!kind.token || ![40001, 40014, 42001].includes(e.code)) throw e;
        await this.refresh(kind.token, true);
        rec = await this.fetch(kind, this.recs.get(kind.token).value, force);
      }
    } catch (e) {
      await this.fail(kind, r, e);
      throw e;
    }
    if (rec.value === r.value && !usable(r, this.now)) {
      await this.fail(kind, r, new WeChatError(1055, "WeChat handed back an expired value"), r.expires_at + SAFETY + 1);
      throw new WeChatError(1055, "WeChat handed back an expired value");
    }
    const next = { ...r };
    const changed = rec.value !== r.value;
    if (changed) Object.assign(next, { prev: r.value, value: rec.value, expires_at: rec.expires_at, fetched_at: rec.fetched_at });
    else next.expires_at = Math.min(r.expires_at, rec.expires_at);
    next.failures = 0;
    next.next_attempt = 0;
    if (!changed && next.expires_at === r.expires_at && !r.failures && !r.next_attempt) return;
    this.recs.set(kind, next);
    await this.put(kind, next);
    if (changed) console.log(`reference: refreshed ${this.key(kind)}, valid for ${next.expires_at - this.now} s`);
  }

  async fail(kind, r, e, next) {
    r.failures = (r.failures ?? 0) + 1;
    Object.assign(r, { last_error: e.message, last_errcode: e.code ?? 1052, last_error_at: this.now });
    r.next_attempt = next ?? this.now + backoff(r.failures);
    console.log(`reference: ${this.key(kind)}: refresh failed (${r.failures} in a row): ${e.message}`);
    await this.put(kind, r);
  }

  async put(kind, r) {
    const out = { value: r.value, expires_at: r.expires_at, fetched_at: r.fetched_at };
    for (const k of ["prev", "last_error", "last_errcode", "last_error_at", "failures", "next_attempt"]) if (r[k]) out[k] = r[k];
    try {
      await this.env.WXSIGN_KV.put(this.key(kind), JSON.stringify(out));
    } catch (e) {
      console.log(`reference: storing ${this.key(kind)} failed: ${e.message}`);
    }
  }

  // fetch makes kind's WeChat call: the stable token's POST (a string body,
  // so that it goes out with a Content-Length), else a GET.
  async fetch(kind, token, force) {
    const { s } = this;
    let res;
    const signal = AbortSignal.timeout(TIMEOUT);
    if (kind === TOKEN && !s.classic) {
      const body = JSON.stringify({ grant_type: "client_credential", appid: s.appid, secret: s.secret, force_refresh: force });
      res = await fetch(`${s.base}/cgi-bin/stable_token`, { method: "POST", headers: { "Content-Type": "application/json" }, body, signal });
    } else if (kind === TOKEN) {
      const q = new URLSearchParams({ grant_type: "client_credential", appid: s.appid, secret: s.secret });
      res = await fetch(`${s.base}/cgi-bin/token?${q}`, { signal });
    } else {
      const q = new URLSearchParams({ access_token: token, type: kind.type });
      res = await fetch(`${s.base}/cgi-bin/ticket/getticket?${q}`, { signal });
    }
    if (res.status !== 200) throw new WeChatError(1052, `WeChat answered HTTP ${res.status}`);
    const a = await res.json();
    if (a.errcode) throw new WeChatError(a.errcode, `WeChat: ${a.errmsg}`);
    const value = kind === TOKEN ? a.access_token : a.ticket;
    if (!value || !(a.expires_in > 0)) throw new WeChatError(1052, "WeChat's answer has no value");
    return { value, fetched_at: this.now, expires_at: this.now + Math.max(a.expires_in - SAFETY, 1) };
  }
}

function nonce() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let s = "";
  for (const x of b) s += ALPHABET[x % 62];
  return s;
}

function unavailable(e) {
  return json(503, { errcode: e.code ?? 1052, errmsg: e.message }, { "Retry-After": "30" });
}

async function config(request, env, url) {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (ticket === null || now - readAt > 60_000 || !usable(ticket, sec)) {
    try {
      ticket = await new Pass(env, settings(env), sec).get(TICKET);
    } catch (e) {
      return unavailable(e);
    }
    readAt = now;
  }
  const page = url.searchParams.get("url");
  if (!page) return json(400, { errcode: 1001, errmsg: "url is required" });
  const pageURL = page.split("#")[0];
  const nonceStr = nonce();
  const digest = await crypto.subtle.digest(
    "SHA-1",
    enc.encode(`jsapi_ticket=${ticket.value}&noncestr=${nonceStr}&timestamp=${sec}&url=${pageURL}`),
  );
  const signature = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return json(200, { appId: env.WECHAT_APPID, timestamp: sec, nonceStr, signature, url: pageURL });
}

// authorized compares the bearer token with API_KEY in time that does not
// depend on where they differ.
function authorized(header, key) {
  if (!key || header === null || header.slice(0, 7).toLowerCase() !== "bearer ") return false;
  const a = enc.encode(header.slice(7));
  const b = enc.encode(key);
  let d = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i % b.length];
  return d === 0;
}

async function secret(request, env, url, kind, field) {
  const s = settings(env);
  if (!s.apiKey) return json(404, { errcode: 1004, errmsg: "not found" });
  if (!authorized(request.headers.get("Authorization"), s.apiKey)) {
    return json(401, { errcode: 1020, errmsg: "unauthorized" }, { "WWW-Authenticate": 'Bearer realm="wxsign"' });
  }
  if (s.problems.length > 0) return json(503, { errcode: 1050, errmsg: `not configured: ${s.problems.join("; ")}` });
  const appid = url.searchParams.get("appid");
  if ((appid && appid !== s.appid) || url.searchParams.get("agentid")) return json(404, { errcode: 1022, errmsg: "unknown app" });
  try {
    const r = await new Pass(env, s, Math.floor(Date.now() / 1000)).get(kind);
    return json(200, { [field]: r.value, expires_at: r.expires_at });
  } catch (e) {
    return unavailable(e);
  }
}

function safeURL(raw) {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname === "/" && !raw.endsWith("/") ? "" : u.pathname}`;
  } catch {
    return "(invalid)";
  }
}

async function healthz(request, env, url) {
  const s = settings(env);
  const now = Math.floor(Date.now() / 1000);
  const pass = new Pass(env, s, now);
  const problems = [...s.problems];
  const warnings = [];
  if (url.hostname.toLowerCase().endsWith(".workers.dev")) warnings.push("this request came to a workers.dev host");
  const credentials = [];
  try {
    const recs = await Promise.all(KINDS.map((k) => pass.load(k)));
    KINDS.forEach((k, i) => {
      const r = recs[i];
      if (k.lazy && r.value === "" && !r.last_error_at) return;
      const c = { kind: k.name, owner: s.appid, present: r.value !== "", usable: usable(r, now), due: due(r, now, k.margin(s.margin)) };
      if (c.present) Object.assign(c, { age_s: now - r.fetched_at, expires_in_s: r.expires_at - now });
      c.fetches_this_hour = 0;
      for (const f of ["last_error", "last_errcode", "last_error_at"]) if (r[f]) c[f] = r[f];
      if (r.failures) c.consecutive_failures = r.failures;
      if (r.next_attempt) c.next_attempt = r.next_attempt;
      credentials.push(c);
    });
  } catch {
    problems.push("Workers KV is unavailable");
  }
  const h = {
    ok: problems.length === 0,
    apps: s.appid ? [s.appid] : [],
    config: {
      wechat_api_base: safeURL(s.base),
      relay_key_set: !!env.WECHAT_RELAY_KEY,
      token_mode: s.classic ? "classic" : "stable",
      refresh_margin: s.margin,
      api_key_set: s.apiKey !== "",
      request_host: url.host,
    },
    credentials,
  };
  if (problems.length > 0) h.problems = problems;
  if (warnings.length > 0) h.warnings = warnings;
  h.now = now;
  return json(h.ok ? 200 : 503, h);
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/__seed":
        if (request.method !== "PUT") break;
        // The benchmark hands over wxsign's ticket record, so both sign alike.
        await env.WXSIGN_KV.put(`wxsign:${env.WECHAT_APPID}:jsapi_ticket`, await request.text());
        ticket = null;
        return new Response(null, { status: 204 });
      case "/config":
        return config(request, env, url);
      case "/token":
        return secret(request, env, url, TOKEN, "access_token");
      case "/ticket":
        return secret(request, env, url, TICKET, "ticket");
      case "/healthz":
        return healthz(request, env, url);
    }
    return json(404, { errcode: 1004, errmsg: "not found" });
  },

  // The cron: every credential that is due, tokens before the tickets that
  // need them; a lazy kind only once a page has used it.
  async scheduled(event, env) {
    const s = settings(env);
    if (s.problems.length > 0) {
      console.log(`reference: cron skipped: ${s.problems.join("; ")}`);
      return;
    }
    const pass = new Pass(env, s, Math.floor(Date.now() / 1000));
    let refreshed = 0;
    for (const kind of KINDS) {
      const r = await pass.load(kind);
      if ((kind.lazy && r.value === "" && !r.last_error_at) || !due(r, pass.now, kind.margin(s.margin))) continue;
      try {
        await pass.refresh(kind, false);
        refreshed++;
      } catch {} // logged by fail; the cron goes on with the other kinds
    }
    if (refreshed === 0) console.log("reference: cron: nothing due");
  },
};
