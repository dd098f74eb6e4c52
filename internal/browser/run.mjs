// Browser tests of the page side: wxsign.js on WeChat's own JS-SDK (npm's
// weixin-js-sdk, served where pages load jweixin-1.6.0.js) with a test double
// of WeChat's native side only, WeixinJSBridge, that verifies signatures as
// WeChat does (wx-bridge.js); and the debug and landing pages. In headless
// Chromium from Debian, against a running Worker.
//
//   WXSIGN_URL=http://127.0.0.1:8787 STANDIN_URL=http://127.0.0.1:NNNN APPID=wx... \
//   PAGE_PORT=NNNN node internal/browser/run.mjs
//
// The test pages are served from http://127.0.0.1:PAGE_PORT, which the
// Worker must allow (ALLOWED_HOSTS=127.0.0.1, ALLOWED_ORIGINS=that origin).
// The ticket-rotation tests need a stand-in whose tickets are due at once
// (POST /__standin/config {"ticket_expires_in":1000} before the first ticket
// is issued): the runner asks for it at start. Screenshots go to
// SCREENSHOT_DIR (default build/screenshots). The last line is
// "N passed, M failed"; the exit status is 1 if any failed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const WXSIGN = (env.WXSIGN_URL || '').replace(/\/$/, '');
const STANDIN = (env.STANDIN_URL || '').replace(/\/$/, '');
const APPID = env.APPID || '';
const CORPID = env.CORPID || ''; // WeCom: the corp and the agent the Worker signs for
const AGENTID = env.AGENTID || '';
const SHOTS = env.SCREENSHOT_DIR || path.join(here, '..', '..', 'build', 'screenshots');
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
if (!WXSIGN || !STANDIN || !APPID) {
  console.error('run.mjs: set WXSIGN_URL, STANDIN_URL and APPID (and PAGE_PORT to a port the Worker allows)');
  process.exit(2);
}

const UA = {
  android: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.0.0 Mobile Safari/537.36 XWEB/1220099 MMWEBSDK/20240404 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN',
  // An iPad that reports a Mac and no touch points: wxsign.js takes it for a
  // desktop (current URL), WeChat (the double) checks the entry URL.
  ipadAsMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN',
  desktop: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
};

// ---- helpers ----------------------------------------------------------

async function getJSON(url, init) {
  const res = await fetch(url, init);
  const body = await res.json();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return body;
}

async function currentTicket() {
  return (await getJSON(STANDIN + '/__standin/state')).ticket;
}

// sign is WeChat's signature, computed here with node:crypto.
function sign(ticket, nonce, ts, url) {
  return crypto.createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonce}&timestamp=${ts}&url=${url}`).digest('hex');
}

const results = [];
async function test(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push(true);
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL ${name}: ${e && e.message ? e.message.split('\n').slice(0, 6).join('\n     ') : e}`);
  }
}

// ---- the test pages -----------------------------------------------------

// The official SDK, npm's weixin-js-sdk (jweixin 1.6.x as a CommonJS
// module), served where pages load it. The published file ends its wrapper
// with n(e, !0), which sets window.wx and window.jWeixin; the npm build
// exports instead: the one line is put back as the published file has it.
const SDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js';
const SDK = (() => {
  const src = fs.readFileSync(path.join(here, '..', '..', 'node_modules', 'weixin-js-sdk', 'index.js'), 'utf8');
  const npmHead = 'module.exports = n(e);';
  if (!src.includes(npmHead)) throw new Error(`weixin-js-sdk: "${npmHead}" not found: the package changed, wrap it anew`);
  return src.replace(npmHead, 'n(e, !0);');
})();
// WeCom's jwxwork-1.0.0.js adds wx.agentConfig; it is not on npm: its
// stand-in adds only that call (jwxwork-double.js says why).
const JWXWORK_URL = 'https://open.work.weixin.qq.com/wwopen/js/jwxwork-1.0.0.js';
// The SDK reports each check with an image from here.
const REPORT_URL = 'https://open.weixin.qq.com/sdk/report**';
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

// testPage is a page of an app: the bridge double, the official SDK,
// wxsign.js. Flags in its query string: bridge=early (WeixinJSBridge before
// the SDK loads), refuse=N (WeChat refuses every check after the first N),
// wrong (every check fails), wecom (loads jwxwork), own (the page calls
// wx.config itself, with a signature of its own making, before wxsign),
// bridge=frozen (a WeixinJSBridge no script can change), delay=ms (when the
// bridge arrives).
function testPage(q, onLoad) {
  const bridge = [
    q.has('bridge') ? ` data-bridge="${q.get('bridge')}"` : '',
    q.has('refuse') ? ` data-refuse-after="${Number(q.get('refuse'))}"` : '',
    q.has('wrong') ? ' data-ticket="wrong"' : '',
    q.has('delay') ? ` data-delay="${Number(q.get('delay'))}"` : '',
  ].join('');
  const own = q.has('own') ? `
  // The page's own wx.config, before wxsign's, with a signature it made wrong.
  window.own = {ready: 0, errors: []};
  wx.config({appId: '${APPID}', timestamp: Math.floor(Date.now() / 1000), nonceStr: 'own', signature: '${'0'.repeat(40)}', jsApiList: ['updateAppMessageShareData']});
  wx.ready(() => { window.own.ready++; });
  wx.error((e) => { window.own.errors.push(e.errMsg); });` : '';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>wxsign test page</title>
<script src="/wx-bridge.js"${bridge}></script>
<script src="${SDK_URL}"></script>
${q.has('wecom') ? `<script src="${JWXWORK_URL}"></script>` : ''}
<script src="${WXSIGN}/wxsign.js"></script>
<script>
  // sign() is what a page does: one call; its outcome is kept for the test.
  window.sign = (opts) => wxsign.ready(Object.assign({jsApiList: ['updateAppMessageShareData']}, opts || {}))
    .then((r) => ({ok: true, url: r.url}), (e) => ({ok: false, message: e.message}));
  // share() is the page's next call once ready() resolved: WeChat's answer.
  window.share = () => new Promise((resolve) => wx.updateAppMessageShareData({
    title: 't', desc: 'd', link: location.href, imgUrl: '', success: (r) => resolve(r.errMsg), fail: (r) => resolve(r.errMsg)}));
  window.go = (p) => history.pushState({}, '', p);
  // configs counts the wx.config calls, wxsign's too.
  window.configs = 0;
  const config = wx.config;
  wx.config = function () { window.configs++; return config.apply(this, arguments); };${own}
  ${onLoad}
</script></head>
<body><h1>test page</h1></body></html>`;
}

const server = http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  try {
    if (u.pathname === '/wx-bridge.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      return res.end(fs.readFileSync(path.join(here, 'wx-bridge.js')));
    }
    if (u.pathname === '/favicon.ico') {
      res.writeHead(204); // Chromium asks; a 404 would be a console error
      return res.end();
    }
    if (u.pathname === '/__ticket') {
      // The stand-in's live tickets, read server side: it sends no CORS headers.
      const out = { ticket: await currentTicket(), appId: APPID };
      if (CORPID) {
        const st = await getJSON(`${STANDIN}/__standin/state?corpid=${CORPID}&agentid=${AGENTID}`);
        Object.assign(out, { corpId: CORPID, agentId: AGENTID, corpTicket: st.corp_ticket, agentTicket: st.agent_ticket });
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return res.end(JSON.stringify(out));
    }
    let html;
    if (u.pathname.startsWith('/plain')) html = testPage(u.searchParams, 'window.first = sign();');
    else if (u.pathname.startsWith('/spa/')) html = testPage(u.searchParams, u.searchParams.has('auto') ? 'window.first = sign({auto: true});' : '');
    if (html) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      return res.end(html);
    }
    res.writeHead(404);
    res.end('not found');
  } catch (e) {
    res.writeHead(500);
    res.end(String(e.message));
  }
});
await new Promise((resolve) => server.listen(Number(env.PAGE_PORT || 0), '127.0.0.1', resolve));
const PAGES = `http://127.0.0.1:${server.address().port}`;
console.log(`test pages on ${PAGES}, Worker ${WXSIGN}`);

// Tickets of a minute, so that the rotation tests see one die: WeChat
// issues a ticket's successor only then, and wxsign's coordinator fetches
// it the second after (its alarm). Pages meanwhile may meet the seconds
// before a death (1055), which wxsign.js rides out.
const TICKET_LIFE = 60;
await getJSON(STANDIN + '/__standin/config', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ticket_expires_in: TICKET_LIFE }) });

// rotate waits for the ticket to die and its successor to be issued, and
// returns the old ticket; the Worker signs with the new one from then on
// (its isolate's copy expired 10 s before WeChat's).
async function rotate() {
  const old = await currentTicket();
  const deadline = Date.now() + (TICKET_LIFE + 30) * 1000;
  while ((await currentTicket()) === old) {
    assert.ok(Date.now() < deadline, 'no successor was fetched when the ticket died');
    await new Promise((r) => setTimeout(r, 500));
  }
  return old;
}

fs.mkdirSync(SHOTS, { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

// routeWeChat serves WeChat's scripts and takes the SDK's reports, in a context
// for WeChat pages (the debug and landing pages do without).
async function routeWeChat(context, reports) {
  await context.route(SDK_URL, (r) => r.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: SDK }));
  await context.route(JWXWORK_URL, (r) => r.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: fs.readFileSync(path.join(here, 'jwxwork-double.js')) }));
  await context.route(REPORT_URL, (r) => {
    reports.push(r.request().url());
    return r.fulfill({ status: 200, contentType: 'image/gif', body: GIF });
  });
}

// open gives a page in a fresh context, with the console errors it logs.
// WeChat's scripts are served by routing (unless opts.wechat is false).
async function open(ua, url, opts = {}) {
  const context = await browser.newContext({ userAgent: ua, locale: opts.locale || 'en-US', viewport: opts.viewport || { width: 390, height: 844 } });
  const reports = [];
  if (opts.wechat !== false) await routeWeChat(context, reports);
  const page = await context.newPage();
  page.setDefaultTimeout(45000); // a shared 2-core machine under load can take 20 s for one navigation
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  if (url) await page.goto(url);
  return { page, errors, reports, close: () => context.close() };
}

const bridgeLog = (page) => page.evaluate(() => window.__bridge.log.map((e) => Object.assign({}, e)));
const checks = async (page) => (await bridgeLog(page)).filter((e) => e.api === 'preVerifyJSAPI');

// settled waits until the bridge has answered n checks, and every one asked.
async function settled(page, n) {
  await page.waitForFunction((k) => window.__bridge.log.length >= k && window.__bridge.log.every((e) => e.ok !== null), n);
  return bridgeLog(page);
}

const brief = (log) => log.map((e) => `${e.api} ${e.url} ${e.ok ? 'ok' : e.errMsg}`).join('; ');

// ---- wxsign.js on the official SDK -----------------------------------------

for (const [mode, ua, q] of [['Android', UA.android, ''], ['iOS', UA.iphone, ''], ['Android, the bridge there before the SDK loads', UA.android, '&bridge=early']]) {
  await test(`plain page, ${mode}: ready() resolves once WeChat accepted the signature (fragment dropped, escapes kept)`, async () => {
    const signed = `${PAGES}/plain?id=1&q=%E4%B8%AD${q}`;
    const { page, errors, reports, close } = await open(ua, `${signed}#section`);
    const r = await page.evaluate(() => window.first);
    const log = await settled(page, 1);
    assert.deepEqual(r, { ok: true, url: signed });
    assert.equal(log.length, 1, `one check: ${brief(log)}`);
    assert.equal(log[0].ok, true, `the bridge refused: ${log[0].errMsg}`);
    assert.equal(log[0].url, signed);
    assert.equal(await page.evaluate(() => wxsign.signedUrl()), signed);
    assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:ok');
    assert.equal(reports.length, 1, "the SDK's report of the check");
    assert.deepEqual(errors, []);
    await close();
  });
}

await test('single-page app, iOS: ready() after pushState still verifies, with the entry URL', async () => {
  const entry = `${PAGES}/spa/a?x=1`;
  const { page, errors, close } = await open(UA.iphone, entry + '#top');
  assert.deepEqual(await page.evaluate(() => sign()), { ok: true, url: entry });
  await page.evaluate(() => go('/spa/b?y=2'));
  const r2 = await page.evaluate(() => sign());
  assert.deepEqual(r2, { ok: true, url: entry }, 'the second ready() is for the entry URL');
  const log = await settled(page, 1);
  assert.ok(log.length === 1 && log[0].ok && log[0].url === entry, `one check, verified with the entry URL: ${brief(log)}`);
  assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:ok');
  assert.equal(await page.evaluate(() => wxsign.signedUrl()), entry);
  assert.deepEqual(errors, []);
  await close();
});

await test('single-page app, Android: ready() after pushState re-signs for the new route; back again after popstate', async () => {
  const { page, errors, close } = await open(UA.android, `${PAGES}/spa/a`);
  assert.equal((await page.evaluate(() => sign())).ok, true);
  await page.evaluate(() => go('/spa/b?y=2#frag'));
  assert.deepEqual(await page.evaluate(() => sign()), { ok: true, url: `${PAGES}/spa/b?y=2` });
  let log = await settled(page, 2);
  assert.equal(log.length, 2, `a second check for the new route: ${brief(log)}`);
  assert.deepEqual([log[1].ok, log[1].url], [true, `${PAGES}/spa/b?y=2`]);
  assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:ok');
  await page.evaluate(() => new Promise((resolve) => {
    addEventListener('popstate', resolve, { once: true });
    history.back();
  }));
  assert.deepEqual(await page.evaluate(() => sign()), { ok: true, url: `${PAGES}/spa/a` });
  log = await settled(page, 3);
  assert.deepEqual([log.length, log[2].ok, log[2].url], [3, true, `${PAGES}/spa/a`]);
  assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:ok');
  assert.deepEqual(errors, []);
  await close();
});

await test('after a route change the first URL is wrong: ready() waits for the repair, which verifies (iPad reporting a Mac)', async () => {
  // wxsign.js takes it for a desktop (current URL); WeChat checks the entry URL.
  const entry = `${PAGES}/spa/a?via=ipad`;
  const { page, errors, close } = await open(UA.ipadAsMac, entry);
  assert.deepEqual(await page.evaluate(() => sign()), { ok: true, url: entry }, 'on the entry route both URLs are one');
  await page.evaluate(() => go('/spa/b'));
  const r = await page.evaluate(() => sign());
  const shared = await page.evaluate(() => share()); // the page's next call, as soon as ready() settles
  let log = await settled(page, 2);
  assert.deepEqual([r, shared], [{ ok: true, url: entry }, 'updateAppMessageShareData:ok'],
    `ready() after the route change settles only once the repair verified, and the page's next call works; checks so far: ${brief(log)}`);
  log = await settled(page, 3);
  assert.equal(log.length, 3, `exactly one re-sign: ${brief(log)}`);
  assert.deepEqual([log[1].ok, log[1].errMsg], [false, 'preVerifyJSAPI:fail_invalid signature'], 'the first attempt (current URL) is refused');
  assert.deepEqual([log[2].ok, log[2].url], [true, entry], 'the re-sign (entry URL) verifies');
  assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:ok', 'the page\'s next call works');
  // It learnt which URL this device checks: the next route's ready() reuses the config.
  await page.evaluate(() => go('/spa/c'));
  assert.deepEqual(await page.evaluate(() => sign()), { ok: true, url: entry });
  assert.equal((await bridgeLog(page)).length, 3, 'no fourth check');
  assert.deepEqual(errors, [], 'a repaired signature logs no error');
  await close();
});

await test('a bridge that cannot be watched (frozen): wxsign asks WeChat once more through wx.invoke, and the repair still works', async () => {
  const entry = `${PAGES}/spa/a?bridge=frozen`;
  const { page, errors, close } = await open(UA.ipadAsMac, entry);
  assert.deepEqual(await page.evaluate(() => sign()), { ok: true, url: entry });
  await page.evaluate(() => go('/spa/b?bridge=frozen'));
  const r = await page.evaluate(() => sign());
  const log = await settled(page, 6);
  assert.deepEqual(r, { ok: true, url: entry }, brief(log));
  // Each wx.config is checked twice: by the SDK, and by wxsign through wx.invoke with the same values.
  assert.deepEqual(log.map((e) => e.ok), [true, true, false, false, true, true], brief(log));
  assert.equal(new Set(log.map((e) => e.signature)).size, 3, 'three configs');
  assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:ok');
  assert.deepEqual(errors, []);
  await close();
});

await test('WeChat refuses every later config: ready() rejects naming the cause and /debug, once, and does not loop', async () => {
  const { page, errors, close } = await open(UA.android, `${PAGES}/spa/a?refuse=1`);
  assert.equal((await page.evaluate(() => sign())).ok, true, 'the first config verifies');
  await page.evaluate(() => go('/spa/b?refuse=1'));
  const r = await page.evaluate(() => sign());
  let log = await settled(page, 2);
  assert.equal(r.ok, false, `ready() resolved although WeChat refused: ${JSON.stringify(r)}; checks: ${brief(log)}`);
  log = await settled(page, 3);
  assert.match(r.message, /invalid signature/, 'the cause');
  assert.ok(r.message.includes(`${WXSIGN}/debug?url=`), `the /debug link: ${r.message}`);
  assert.ok(r.message.includes(`${PAGES}/spa/a?refuse=1`), `the error names the URL signed last: ${r.message}`);
  assert.equal(log.length, 3, `the config, then one attempt and one re-sign, no more: ${brief(log)}`);
  await page.waitForTimeout(1000);
  assert.equal((await bridgeLog(page)).length, 3, 'no loop');
  assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:permission denied', 'the config in force is refused');
  const line = errors.find((e) => e.includes('wxsign'));
  assert.ok(line, `a console.error: ${JSON.stringify(errors)}`);
  const link = line.match(/https?:\/\/\S+\/debug\?url=\S+/);
  assert.ok(link && link[0].startsWith(`${WXSIGN}/debug?url=${encodeURIComponent(`${PAGES}/spa/a?refuse=1`)}`), `the link: ${line}`);
  // The link fills the debug page in and checks at once.
  await page.goto(link[0]);
  await page.waitForSelector('#check-out .finding');
  assert.equal(await page.inputValue('#page_url'), `${PAGES}/spa/b?refuse=1`);
  assert.equal(await page.inputValue('#signed_url'), `${PAGES}/spa/a?refuse=1`);
  assert.match(await page.inputValue('#signature'), /^[0-9a-f]{40}$/);
  await close();
});

await test('auto: true re-signs after a route change on Android, and not on iOS', async () => {
  const a = await open(UA.android, `${PAGES}/spa/a?auto`);
  assert.equal((await a.page.evaluate(() => window.first)).ok, true);
  await a.page.evaluate(() => go('/spa/c'));
  const log = await settled(a.page, 2);
  assert.deepEqual([log.length, log[1].ok, log[1].url], [2, true, `${PAGES}/spa/c`]);
  // The page's ready() after the route change is the one auto started.
  assert.deepEqual(await a.page.evaluate(() => sign({auto: true})), { ok: true, url: `${PAGES}/spa/c` });
  assert.equal((await bridgeLog(a.page)).length, 2, 'no third check');
  assert.equal(await a.page.evaluate(() => share()), 'updateAppMessageShareData:ok');
  assert.deepEqual(a.errors, []);
  await a.close();

  const i = await open(UA.iphone, `${PAGES}/spa/a?auto`);
  assert.equal((await i.page.evaluate(() => window.first)).ok, true);
  await i.page.evaluate(() => go('/spa/c'));
  await i.page.waitForTimeout(800);
  const ilog = await settled(i.page, 1);
  assert.equal(ilog.length, 1, 'iOS keeps the config made for the entry URL');
  assert.equal(await i.page.evaluate(() => share()), 'updateAppMessageShareData:ok');
  assert.deepEqual(i.errors, []);
  await i.close();
});

await test("the page calls wx.config itself before wxsign.ready(): wxsign's config replaces it, and ready() waits for its check", async () => {
  const { page, errors, close } = await open(UA.android, `${PAGES}/spa/own?own`);
  await settled(page, 1); // WeChat refused the page's config
  // answered: how many checks WeChat had answered when ready() resolved.
  const r = await page.evaluate(() => sign().then((x) => Object.assign(x, {answered: __bridge.log.filter((e) => e.ok !== null).length})));
  const log = await settled(page, 2);
  assert.deepEqual(r, { ok: true, url: `${PAGES}/spa/own?own`, answered: 2 }, `ready() resolves once WeChat answered wxsign's config: ${JSON.stringify(r)}; checks: ${brief(log)}`);
  assert.deepEqual(log.map((e) => [e.ok, e.errMsg]), [[false, 'preVerifyJSAPI:fail_invalid signature'], [true, '']], 'the page\'s check, then wxsign\'s');
  assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:ok');
  const own = await page.evaluate(() => window.own);
  console.log(`     the page's own handlers: wx.error got ${JSON.stringify(own.errors)}, wx.ready ran ${own.ready} time(s)`);
  assert.deepEqual(own.errors, ['config:invalid signature'], "the page's wx.error hears its own refusal, and only that");
  assert.ok(own.ready >= 1, "the page's wx.ready ran (the SDK runs it after a failed check too)");
  // A wx.config of the page's after wxsign's replaces it: the next ready() signs again, not reusing its answer.
  await page.evaluate((appId) => wx.config({appId, timestamp: Math.floor(Date.now() / 1000), nonceStr: 'own2', signature: '2'.repeat(40), jsApiList: []}), APPID);
  await settled(page, 3);
  assert.deepEqual(await page.evaluate(() => sign()), { ok: true, url: `${PAGES}/spa/own?own` });
  const after = await settled(page, 4);
  assert.deepEqual(after.map((e) => e.ok), [false, true, false, true], brief(after));
  assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:ok');
  assert.deepEqual(errors, []);
  await close();
});

await test('the page calls wx.config while wxsign\'s waits for the bridge: ready() rejects, its config was replaced before WeChat checked it', async () => {
  const { page, errors, close } = await open(UA.android, `${PAGES}/spa/late?delay=3000`);
  await page.evaluate(() => { window.pending = sign(); });
  await page.waitForFunction(() => window.configs === 1 && !window.WeixinJSBridge); // wxsign's wx.config, not yet sent
  await page.evaluate((appId) => wx.config({appId, timestamp: Math.floor(Date.now() / 1000), nonceStr: 'late', signature: '1'.repeat(40), jsApiList: []}), APPID);
  const r = await page.evaluate(() => window.pending);
  const log = await settled(page, 2);
  assert.equal(r.ok, false, brief(log));
  assert.match(r.message, /replaced by a later wx\.config before WeChat checked it/);
  // The SDK sent the page's config for both calls, as it sends the one in force; no re-sign followed.
  assert.deepEqual(log.map((e) => [e.signature, e.ok]), [['1'.repeat(40), false], ['1'.repeat(40), false]]);
  assert.equal(await page.evaluate(() => window.configs), 2);
  assert.deepEqual(errors, []);
  await close();
});

await test("a refused /config rejects with wxsign's errmsg; an unreachable endpoint says so", async () => {
  // Browsers keep a malformed escape in location.href; /config refuses it (errcode 1007).
  const { page, close } = await open(UA.android, `${PAGES}/spa/%zz`);
  const r = await page.evaluate(() => sign());
  assert.equal(r.ok, false);
  assert.match(r.message, /refused to sign .*malformed percent-escape \(errcode 1007, HTTP 400\)/);
  assert.equal((await bridgeLog(page)).length, 0, 'no wx.config without a signature');
  // An agent the Worker does not know: /wecom/config's 404 comes through with its errmsg.
  const w = await page.evaluate(() => sign({wecom: true, agentid: '999'}));
  assert.equal(w.ok, false);
  assert.match(w.message, /refused to sign .*unknown appid or agentid/);
  await close();
});

for (const [mode, ua] of [['Android', UA.android], ['iOS', UA.iphone]]) {
  await test(`WeCom, ${mode}: wx.config (beta, the corp ticket) then wx.agentConfig (the agent's ticket), both accepted`, async () => {
    const { page, errors, close } = await open(ua, `${PAGES}/spa/wecom?wecom&x=1#r`);
    const r = await page.evaluate((agentid) => sign({wecom: true, agentid}), AGENTID);
    assert.equal(r.ok, true, r.message);
    const log = await settled(page, 2);
    assert.deepEqual(log.map((e) => [e.api, e.ok, e.errMsg]), [['preVerifyJSAPI', true, ''], ['agentConfig', true, '']]);
    assert.equal(log[1].url, `${PAGES}/spa/wecom?wecom&x=1`);
    assert.deepEqual(errors, []);
    await close();
  });
}

// After the WeCom cases: it waits for the ticket to rotate.
await test('the ticket rotates between two configs (Android): the second is signed and verified with the new ticket', async () => {
  const { page, errors, close } = await open(UA.android, `${PAGES}/spa/a?rotate`);
  assert.equal((await page.evaluate(() => sign())).ok, true);
  const old = await rotate();
  await page.evaluate(() => go('/spa/b?rotate'));
  const r = await page.evaluate(() => sign());
  const log = await settled(page, 2);
  assert.deepEqual(r, { ok: true, url: `${PAGES}/spa/b?rotate` }, brief(log));
  assert.deepEqual(log.map((e) => e.ok), [true, true], brief(log));
  assert.notEqual(await currentTicket(), old);
  assert.equal(await page.evaluate(() => share()), 'updateAppMessageShareData:ok');
  assert.deepEqual(errors, []);
  await close();
});

// ---- the debug page -------------------------------------------------------

const PHRASES = {
  en: {
    bad_input: 'missing or malformed',
    host_not_allowed: 'not allowed to be signed',
    fragment_kept: 'keeps its #fragment',
    url_encoded: 'percent-encoded once more',
    url_decoded: 'was percent-decoded',
    amp_escaped: '&amp; instead of &',
    scheme_differs: 'scheme differs',
    host_differs: 'host differs',
    port_differs: 'port differs',
    trailing_slash: 'trailing slash differs',
    share_params: 'share parameters differ',
    url_differs: "another page's",
    signed_wrong_url: 'for the wrong URL',
    previous_ticket: 'previous jsapi_ticket',
    appid_mismatch: 'appId is not the one',
    timestamp_skewed: 'timestamp is off',
    signature_ok: 'JS interface safe domain',
    signature_mismatch: 'matches nothing',
  },
  zh: {
    fragment_kept: '带着 #',
    signed_wrong_url: '签的 URL 不对',
    previous_ticket: '上一个 jsapi_ticket',
  },
};

// checkOnPage fills the debug page's form and returns the finding codes shown.
async function checkOnPage(page, c) {
  // debug.js is deferred: it has run by DOMContentLoaded, and the selector waits for its answer.
  await page.goto(`${WXSIGN}/debug?url=${encodeURIComponent(c.page)}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#info-out dl, #info-out .error');
  if (c.paste) {
    await page.fill('#paste', c.paste);
  } else {
    await page.fill('#appId', c.appId);
    await page.fill('#timestamp', String(c.ts));
    await page.fill('#nonceStr', c.nonce);
    await page.fill('#signature', c.signature);
  }
  await page.fill('#signed_url', c.signed);
  await page.click('#check-form button[type=submit]');
  await page.waitForSelector('#check-out .finding, #check-out .error');
  return page.$$eval('#check-out .finding', (els) => els.map((e) => e.getAttribute('data-code')));
}

async function assertWords(page, codes, lang) {
  for (const code of codes) {
    const want = PHRASES[lang][code];
    if (!want) continue;
    const text = await page.textContent(`#check-out .finding[data-code="${code}"]`);
    assert.ok(text && text.includes(want), `${lang} words for ${code}: want "${want}" in "${text}"`);
  }
}

const ticket = await currentTicket();
const now = Math.floor(Date.now() / 1000);
const nonce = 'Wm3WZYTPz0wzccnW';
const made = (signedFor, ts = now) => sign(ticket, nonce, ts, signedFor);
const P = PAGES;
const cases = [
  { name: 'fragment kept', page: `${P}/shop?id=1#top`, signed: `${P}/shop?id=1#top`, codes: ['fragment_kept', 'signed_wrong_url'], shot: 'fragment' },
  { name: 'fragment kept, signed URL left empty (found by trying)', page: `${P}/shop?id=2#top`, signed: '', signedFor: `${P}/shop?id=2#top`, codes: ['fragment_kept', 'signed_wrong_url'] },
  { name: 'encoded once more', page: `${P}/shop?id=1`, signed: encodeURIComponent(`${P}/shop?id=1`), codes: ['url_encoded', 'signed_wrong_url'] },
  { name: 'decoded', page: `${P}/s?q=%E4%B8%AD`, signed: `${P}/s?q=中`, codes: ['url_decoded', 'signed_wrong_url'] },
  { name: '&amp;', page: `${P}/s?a=1&b=2`, signed: `${P}/s?a=1&amp;b=2`, codes: ['amp_escaped', 'signed_wrong_url'] },
  { name: 'scheme', page: `${P}/s?a=1`, signed: `https://127.0.0.1:${new URL(P).port}/s?a=1`, codes: ['scheme_differs', 'signed_wrong_url'] },
  { name: 'host', page: `${P}/s?a=1`, signed: `http://localhost:${new URL(P).port}/s?a=1`, codes: ['host_differs', 'signature_mismatch'] }, // localhost is not allowed: not verified
  { name: 'port', page: `${P}/s?a=1`, signed: 'http://127.0.0.1:8080/s?a=1', codes: ['port_differs', 'signed_wrong_url'] },
  { name: 'trailing slash', page: `${P}/?a=1`, signed: `${P}?a=1`, codes: ['trailing_slash', 'signed_wrong_url'] },
  { name: 'share parameters', page: `${P}/article?id=7&from=singlemessage&isappinstalled=0`, signed: `${P}/article?id=7`, codes: ['share_params', 'signed_wrong_url'] },
  { name: 'another route (the diff highlighted)', page: `${P}/spa/b`, signed: `${P}/spa/a`, codes: ['url_differs', 'signed_wrong_url'], marks: ['a', 'b'] },
  { name: 'host not allowed', page: 'http://evil.example.com/p', signed: '', signedFor: 'http://evil.example.com/p', codes: ['host_not_allowed'] }, // named, never verified (docs/api.md)
  { name: 'appId of another app (pasted as JavaScript)', page: `${P}/s`, signed: '', signedFor: `${P}/s`, appId: 'wx0000000000000000', paste: true, codes: ['appid_mismatch', 'signature_ok'] },
  { name: 'timestamp in milliseconds', page: `${P}/s`, signed: '', signedFor: `${P}/s`, ts: Date.now(), codes: ['timestamp_skewed', 'signature_ok'] },
  { name: 'nothing wrong with the signature: the safe domain', page: `${P}/ok`, signed: '', signedFor: `${P}/ok`, codes: ['signature_ok'], words: ['JS接口安全域名', '"127.0.0.1"', 'MP_verify'] },
  { name: 'signature made of nothing', page: `${P}/s`, signed: '', signature: 'ab'.repeat(20), codes: ['signature_mismatch'] },
  { name: 'malformed signature', page: `${P}/s`, signed: '', signature: 'xyz', codes: ['bad_input'] },
];

{
  const { page, errors, close } = await open(UA.desktop, null, { viewport: { width: 1000, height: 900 }, wechat: false });
  for (const c of cases) {
    await test(`debug page names the cause: ${c.name}`, async () => {
      c.ts = c.ts || now;
      c.nonce = nonce;
      c.appId = c.appId || APPID;
      c.signature = c.signature || made(c.signedFor || c.signed, c.ts);
      if (c.paste) {
        c.paste = `wx.config({\n  debug: false,\n  appId: '${c.appId}',\n  timestamp: ${c.ts},\n  nonceStr: '${nonce}',\n  signature: '${c.signature}',\n  jsApiList: ['updateAppMessageShareData']\n})`;
      }
      const codes = await checkOnPage(page, c);
      if (c.paste) assert.equal(await page.inputValue('#appId'), c.appId, 'the paste filled appId in');
      assert.deepEqual(codes, c.codes);
      await assertWords(page, codes, 'en');
      for (const w of c.words || []) assert.ok((await page.textContent('#check-out')).includes(w), `"${w}" shown`);
      if (c.marks) {
        assert.deepEqual(await page.$$eval('#check-out .diff mark', (m) => m.map((x) => x.textContent)), c.marks);
      }
      if (c.shot) {
        await page.screenshot({ path: path.join(SHOTS, `debug-${c.shot}-en.png`), fullPage: true });
        await page.click('button[data-lang="zh"]');
        await assertWords(page, codes, 'zh');
        await page.screenshot({ path: path.join(SHOTS, `debug-${c.shot}-zh.png`), fullPage: true });
        await page.click('button[data-lang="en"]');
      }
    });
  }

  await test('debug page shows what wxsign signs, the ticket redacted, and notes on the URL', async () => {
    const url = `${P}/article?id=7&from=singlemessage&isappinstalled=0#comments`;
    await page.goto(`${WXSIGN}/debug?url=${encodeURIComponent(url)}`);
    await page.waitForSelector('#info-out dl');
    const field = (k) => page.textContent(`#info-out dd[data-field="${k}"]`);
    const signed = url.split('#')[0];
    assert.equal(await field('info_url'), signed);
    const redacted = `jsapi_ticket=${ticket.slice(0, 4)}…(${ticket.length})`;
    const canonical = await field('info_canonical');
    assert.ok(canonical.startsWith(redacted + '&noncestr='), 'the canonical string starts with the redacted ticket');
    const ts = Number((await field('info_timestamp')).split(' ')[0]);
    assert.equal(await field('info_signature'), sign(ticket, await field('info_nonce'), ts, signed), 'the signature shown verifies');
    assert.ok(!(await page.content()).includes(ticket), 'the whole ticket is nowhere in the page');
    const notes = await page.$$eval('#info-out .note', (n) => n.map((x) => x.getAttribute('data-code')));
    assert.deepEqual(notes, ['fragment_kept', 'share_params']);
    await page.screenshot({ path: path.join(SHOTS, 'debug-info-en.png'), fullPage: true });
  });

  await test('debug page errors: a URL /config refuses shows its errmsg', async () => {
    await page.goto(`${WXSIGN}/debug?url=${encodeURIComponent('ftp://127.0.0.1/x')}`);
    await page.waitForSelector('#info-out .error');
    assert.match(await page.textContent('#info-out .error'), /absolute http:\/\/ or https:\/\/ URL/);
  });

  await test('no console errors on the debug page', async () => {
    // 4xx answers of /debug/info are the page's own doing: Chromium logs them as "Failed to load resource".
    assert.deepEqual(errors.filter((e) => !e.includes('Failed to load resource')), []);
  });
  await close();
}

await test('debug page on a phone: 16px text, no horizontal scroll, Chinese picked from the browser language', async () => {
  const { page, close } = await open(UA.iphone, null, { locale: 'zh-CN', viewport: { width: 360, height: 740 }, wechat: false });
  const c = cases[10]; // another route: long URLs side by side
  await checkOnPage(page, c);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontSize), '16px');
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  assert.ok(scroll <= width, `page is ${scroll}px wide in a ${width}px viewport`);
  await page.screenshot({ path: path.join(SHOTS, 'debug-phone-zh.png'), fullPage: true });
  await close();
});

await test('landing page tells the status in words, in both languages', async () => {
  const { page, errors, close } = await open(UA.desktop, `${WXSIGN}/`, { wechat: false });
  await page.waitForSelector('#status [data-status="ticket"]');
  assert.equal(await page.textContent('#status [data-status="config"]'), `Configured for appId ${APPID}.`);
  assert.match(await page.textContent('#status [data-status="ticket"]'), /^A jsapi_ticket is present and valid for \d+ more minutes\.$/);
  assert.ok((await page.textContent('#usage')).includes(`<script src="${WXSIGN}/wxsign.js"></script>`));
  await page.screenshot({ path: path.join(SHOTS, 'index-en.png'), fullPage: true });
  await page.click('button[data-lang="zh"]');
  assert.match(await page.textContent('#status [data-status="config"]'), /^已配置/);
  await page.screenshot({ path: path.join(SHOTS, 'index-zh.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await close();
});

// Last: it waits for the ticket to rotate.
await test('debug page names a signature made with the previous ticket (the ticket rotated)', async () => {
  const old = await currentTicket();
  const url = `${P}/news?id=42`;
  const ts = Math.floor(Date.now() / 1000);
  const c = { name: 'rotated', page: url, signed: '', appId: APPID, ts, nonce, signature: sign(old, nonce, ts, url) };
  assert.equal(await rotate(), old);
  const { page, close } = await open(UA.desktop, null, { wechat: false });
  const codes = await checkOnPage(page, c);
  assert.deepEqual(codes, ['previous_ticket']);
  await assertWords(page, codes, 'en');
  await page.screenshot({ path: path.join(SHOTS, 'debug-rotated-en.png'), fullPage: true });
  await page.click('button[data-lang="zh"]');
  await assertWords(page, codes, 'zh');
  await page.screenshot({ path: path.join(SHOTS, 'debug-rotated-zh.png'), fullPage: true });
  await close();
});

await browser.close();
server.close();
const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`screenshots in ${path.resolve(SHOTS)}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
