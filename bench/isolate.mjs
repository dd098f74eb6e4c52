// The work one /config request costs inside the isolate, under Node's V8
// (the engine workerd runs): wxsign's hot path — frame the request, one call
// into the signer module, build the Response — beside the JavaScript
// reference Worker's handler, both with the ticket already in memory. It
// prints one JSON object per figure, for bench/main.go.
//
//   node bench/isolate.mjs build/signer.wasm
import { readFileSync } from "node:fs";
import { Signer } from "../edge/signer.mjs";
import reference from "./reference/worker.mjs";

const appId = "wxbench0123456789";
const now = Math.floor(Date.now() / 1000);
const record = JSON.stringify({ value: "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg", expires_at: now + 7200, fetched_at: now });
const page = "https://h.example.com/article/2024/11/24?id=123456&from=singlemessage&isappinstalled=0";
const target = "https://wxsign.example.workers.dev/config?url=" + encodeURIComponent(page);

const signer = new Signer(await WebAssembly.compile(readFileSync(process.argv[2])));
const env = { WECHAT_APPID: appId, WECHAT_APPSECRET: "-", ALLOWED_HOSTS: "h.example.com", WXSIGN_KV: { get: async () => record } };
signer.env(env);
signer.record(`wxsign:${appId}:jsapi_ticket`, "kv", record); // held, as in an isolate that read KV

// What edge/entry.mjs does for a GET /config once the record is held: the
// fields, one call into the module, the Response.
const NO_BODY = new Uint8Array(0);
function wxsign(request) {
  const fields = [request.method, request.url];
  for (const name of signer.headers) fields.push(request.headers.get(name) ?? "");
  fields.push(NO_BODY, "");
  return signer.response(signer.serve(fields, Math.floor(Date.now() / 1000)));
}
const callFields = ["GET", target, ...signer.headers.map(() => ""), NO_BODY, ""];

async function measure(name, fn) {
  // Warm up until V8 has optimized both, then time a fixed number of runs,
  // five times, and keep the median.
  for (let i = 0; i < 20000; i++) await fn();
  const runs = [];
  for (let k = 0; k < 5; k++) {
    const n = 20000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    runs.push(Number(process.hrtime.bigint() - t) / n / 1000);
  }
  runs.sort((a, b) => a - b);
  console.log(JSON.stringify({ name, us: runs[2] }));
}

// Each check fails loudly rather than timing an error path.
const check = async (res) => {
  const body = await res.json();
  if (res.status !== 200 || !/^[0-9a-f]{40}$/.test(body.signature)) throw new Error(JSON.stringify(body));
};
await check(wxsign(new Request(target)));
await check(await reference.fetch(new Request(target), env));

const req = new Request(target);
await measure("wxsign hot path", () => wxsign(req));
await measure("JS reference handler", () => reference.fetch(req, env));
await measure("signer module call alone", () => signer.serve(callFields, now));
