// The benchmark's reference: a minimal hand-written JavaScript Worker doing
// what wxsign's /config does — the jsapi_ticket from KV (kept in memory,
// re-read once a minute), the URL without its fragment, a random nonce, the
// SHA1 signature — with none of wxsign's checks. It is kept with the
// benchmark, never shipped.
let ticket = null;
let readAt = -Infinity;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const enc = new TextEncoder();

function nonce() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let s = "";
  for (const x of b) s += ALPHABET[x % 62];
  return s;
}

export default {
  async fetch(request, env) {
    if (request.method === "PUT" && new URL(request.url).pathname === "/__seed") {
      // The benchmark hands over wxsign's ticket record, so both sign alike.
      await env.WXSIGN_KV.put(`wxsign:${env.WECHAT_APPID}:jsapi_ticket`, await request.text());
      return new Response(null, { status: 204 });
    }
    const now = Date.now();
    if (now - readAt > 60_000 || ticket === null) {
      ticket = JSON.parse((await env.WXSIGN_KV.get(`wxsign:${env.WECHAT_APPID}:jsapi_ticket`)) ?? "null");
      readAt = now;
    }
    const page = new URL(request.url).searchParams.get("url");
    if (!page || !ticket) return Response.json({ errcode: 1001, errmsg: "url is required" }, { status: 400 });
    const url = page.split("#")[0];
    const timestamp = Math.floor(now / 1000);
    const nonceStr = nonce();
    const digest = await crypto.subtle.digest(
      "SHA-1",
      enc.encode(`jsapi_ticket=${ticket.value}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`),
    );
    const signature = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return Response.json(
      { appId: env.WECHAT_APPID, timestamp, nonceStr, signature, url },
      { headers: { "Cache-Control": "no-store" } },
    );
  },
};
