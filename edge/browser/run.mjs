// Browser tests of the page side: wxsign.js against a test double of `wx`
// that verifies signatures as WeChat does (wx-double.js), and the debug and
// landing pages, in headless Chromium from Debian, against a running Worker.
//
//   WXSIGN_URL=http://127.0.0.1:8787 STANDIN_URL=http://127.0.0.1:NNNN APPID=wx... \
//   PAGE_PORT=NNNN node edge/browser/run.mjs
//
// The test pages are served from http://127.0.0.1:PAGE_PORT, which the
// Worker must allow (ALLOWED_HOSTS=127.0.0.1, ALLOWED_ORIGINS=that origin).
// The ticket-rotation test needs a stand-in whose tickets are due at once
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

function testPage({ wrongTicket = false, onLoad = '' } = {}) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>wxsign test page</title>
<script src="/wx-double.js"${wrongTicket ? ' data-ticket="wrong"' : ''}></script>
<script src="${WXSIGN}/wxsign.js"></script>
<script>
  // sign() is what a page does: one call; its outcome is kept for the test.
  window.sign = (opts) => wxsign.ready(Object.assign({jsApiList: ['updateAppMessageShareData']}, opts || {}))
    .then((r) => ({ok: true, url: r.url}), (e) => ({ok: false, message: e.message}));
  window.go = (p) => history.pushState({}, '', p);
  ${onLoad}
</script></head>
<body><h1>test page</h1></body></html>`;
}

const server = http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  try {
    if (u.pathname === '/wx-double.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      return res.end(fs.readFileSync(path.join(here, 'wx-double.js')));
    }
    if (u.pathname === '/favicon.ico') {
      res.writeHead(204); // Chromium asks; a 404 would be a console error
      return res.end();
    }
    if (u.pathname === '/__ticket' && u.searchParams.has('wecom')) {
      const st = await getJSON(`${STANDIN}/__standin/state?corpid=${CORPID}&agentid=${AGENTID}`);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return res.end(JSON.stringify({ ticket: st.corp_ticket, agentTicket: st.agent_ticket, appId: CORPID, agentId: AGENTID }));
    }
    if (u.pathname === '/__ticket') {
      // Read server side: the stand-in sends no CORS headers.
      const ticket = await currentTicket();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return res.end(JSON.stringify({ ticket, appId: APPID }));
    }
    let html;
    if (u.pathname.startsWith('/plain')) html = testPage({ onLoad: 'window.first = sign();' });
    else if (u.pathname.startsWith('/spa/')) html = testPage({ onLoad: u.searchParams.has('auto') ? 'window.first = sign({auto: true});' : '' });
    else if (u.pathname.startsWith('/broken/')) html = testPage({ wrongTicket: true });
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

// Tickets due at once, so that the rotation test's cron run replaces the
// ticket (the Worker then keeps the old one as the previous ticket).
await getJSON(STANDIN + '/__standin/config', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ticket_expires_in: 1000 }) });

fs.mkdirSync(SHOTS, { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

// open gives a page in a fresh context, with the console errors it logs.
async function open(ua, url, opts = {}) {
  const context = await browser.newContext({ userAgent: ua, locale: opts.locale || 'en-US', viewport: opts.viewport || { width: 390, height: 844 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  if (url) await page.goto(url);
  return { page, errors, close: () => context.close() };
}

const doubleLog = (page) => page.evaluate(() => window.__wxDouble.log.map((e) => Object.assign({}, e)));

// settled waits until the double has answered every wx.config.
async function settled(page, n) {
  await page.waitForFunction((k) => window.__wxDouble.log.length >= k && window.__wxDouble.log.every((e) => e.ok !== null), n);
  return doubleLog(page);
}

// ---- wxsign.js ------------------------------------------------------------

for (const [mode, ua] of [['Android', UA.android], ['iOS', UA.iphone]]) {
  await test(`plain page, ${mode}: ready() resolves and WeChat accepts the signature (fragment dropped, escapes kept)`, async () => {
    const url = `${PAGES}/plain?id=1&q=%E4%B8%AD#section`;
    const { page, errors, close } = await open(ua, url);
    const r = await page.evaluate(() => window.first);
    const log = await settled(page, 1);
    assert.deepEqual(r, { ok: true, url: `${PAGES}/plain?id=1&q=%E4%B8%AD` });
    assert.equal(log.length, 1, 'one wx.config');
    assert.equal(log[0].ok, true, `the double refused: ${log[0].errMsg}`);
    assert.equal(log[0].url, `${PAGES}/plain?id=1&q=%E4%B8%AD`);
    assert.equal(await page.evaluate(() => wxsign.signedUrl()), `${PAGES}/plain?id=1&q=%E4%B8%AD`);
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
  assert.ok(log.length >= 1 && log.every((e) => e.ok && e.url === entry), `every wx.config verified with the entry URL: ${JSON.stringify(log)}`);
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
  assert.equal(log.length, 2, 'a second wx.config for the new route');
  assert.deepEqual([log[1].ok, log[1].url], [true, `${PAGES}/spa/b?y=2`]);
  await page.evaluate(() => new Promise((resolve) => {
    addEventListener('popstate', resolve, { once: true });
    history.back();
  }));
  assert.deepEqual(await page.evaluate(() => sign()), { ok: true, url: `${PAGES}/spa/a` });
  log = await settled(page, 3);
  assert.deepEqual([log.length, log[2].ok, log[2].url], [3, true, `${PAGES}/spa/a`]);
  assert.deepEqual(errors, []);
  await close();
});

await test('auto: true re-signs after a route change on Android, and not on iOS', async () => {
  const a = await open(UA.android, `${PAGES}/spa/a?auto`);
  assert.equal((await a.page.evaluate(() => window.first)).ok, true);
  await a.page.evaluate(() => go('/spa/c'));
  const log = await settled(a.page, 2);
  assert.deepEqual([log.length, log[1].ok, log[1].url], [2, true, `${PAGES}/spa/c`]);
  assert.deepEqual(a.errors, []);
  await a.close();

  const i = await open(UA.iphone, `${PAGES}/spa/a?auto`);
  assert.equal((await i.page.evaluate(() => window.first)).ok, true);
  await i.page.evaluate(() => go('/spa/c'));
  await i.page.waitForTimeout(800);
  const ilog = await settled(i.page, 1);
  assert.equal(ilog.length, 1, 'iOS keeps the config made for the entry URL');
  assert.deepEqual(i.errors, []);
  await i.close();
});

await test('a wrong first URL is repaired by the one re-sign (iPad reporting a Mac: entered at /spa/a, pushState to /spa/b first)', async () => {
  const entry = `${PAGES}/spa/a?via=ipad`;
  const { page, errors, close } = await open(UA.ipadAsMac, entry);
  await page.evaluate(() => go('/spa/b'));
  const r = await page.evaluate(() => sign());
  const log = await settled(page, 2);
  assert.deepEqual(r, { ok: true, url: entry });
  assert.equal(log.length, 2, `exactly one retry: ${JSON.stringify(log)}`);
  assert.deepEqual([log[0].ok, log[0].errMsg], [false, 'config:invalid signature'], 'the first attempt (current URL) is refused');
  assert.deepEqual([log[1].ok, log[1].url], [true, entry], 'the retry (entry URL) verifies');
  // It learnt which URL this device checks: the next route's ready() reuses the config.
  await page.evaluate(() => go('/spa/c'));
  assert.deepEqual(await page.evaluate(() => sign()), { ok: true, url: entry });
  assert.equal((await doubleLog(page)).length, 2, 'no third wx.config');
  assert.deepEqual(errors, [], 'a repaired signature logs no error');
  await close();
});

await test('both URLs refused: ready() rejects naming the URL, and console.error links to /debug', async () => {
  const { page, errors, close } = await open(UA.android, `${PAGES}/broken/a`);
  await page.evaluate(() => go('/broken/b'));
  const r = await page.evaluate(() => sign());
  const log = await settled(page, 2);
  assert.equal(r.ok, false);
  assert.match(r.message, /invalid signature/);
  assert.ok(r.message.includes(`${PAGES}/broken/a`), `the error names the URL signed last: ${r.message}`);
  assert.equal(log.length, 2, 'one attempt and one retry, no more');
  const line = errors.find((e) => e.includes('wxsign'));
  assert.ok(line, `a console.error: ${JSON.stringify(errors)}`);
  const link = line.match(/https?:\/\/\S+\/debug\?url=\S+/);
  assert.ok(link && link[0].startsWith(`${WXSIGN}/debug?url=${encodeURIComponent(`${PAGES}/broken/a`)}`), `the link: ${line}`);
  // The link fills the debug page in and checks at once.
  await page.goto(link[0]);
  await page.waitForSelector('#check-out .finding');
  assert.equal(await page.inputValue('#page_url'), `${PAGES}/broken/b`);
  assert.equal(await page.inputValue('#signed_url'), `${PAGES}/broken/a`);
  assert.match(await page.inputValue('#signature'), /^[0-9a-f]{40}$/);
  await close();
});

await test('a refused /config rejects with wxsign\'s errmsg; an unreachable endpoint says so', async () => {
  // Browsers keep a malformed escape in location.href; /config refuses it (errcode 1007).
  const { page, close } = await open(UA.android, `${PAGES}/spa/%zz`);
  const r = await page.evaluate(() => sign());
  assert.equal(r.ok, false);
  assert.match(r.message, /refused to sign .*malformed percent-escape \(errcode 1007, HTTP 400\)/);
  assert.equal((await doubleLog(page)).length, 0, 'no wx.config without a signature');
  // An agent the Worker does not know: /wecom/config's 404 comes through with its errmsg.
  const w = await page.evaluate(() => sign({wecom: true, agentid: '999'}));
  assert.equal(w.ok, false);
  assert.match(w.message, /refused to sign .*unknown appid or agentid/);
  await close();
});

for (const [mode, ua] of [['Android', UA.android], ['iOS', UA.iphone]]) {
  await test(`WeCom, ${mode}: wx.config (beta, the corp ticket) then wx.agentConfig (the agent's ticket), both accepted`, async () => {
    const { page, errors, close } = await open(ua, `${PAGES}/spa/wecom?x=1#r`);
    const r = await page.evaluate((agentid) => sign({wecom: true, agentid}), AGENTID);
    assert.equal(r.ok, true, r.message);
    const log = await settled(page, 2);
    assert.deepEqual(log.map((e) => [!!e.agent, e.ok, e.errMsg]), [[false, true, ''], [true, true, '']]);
    assert.equal(log[1].url, `${PAGES}/spa/wecom?x=1`);
    assert.deepEqual(errors, []);
    await close();
  });
}

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
  await page.goto(`${WXSIGN}/debug?url=${encodeURIComponent(c.page)}`);
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
  const { page, errors, close } = await open(UA.desktop, null, { viewport: { width: 1000, height: 900 } });
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
  const { page, close } = await open(UA.iphone, null, { locale: 'zh-CN', viewport: { width: 360, height: 740 } });
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
  const { page, errors, close } = await open(UA.desktop, `${WXSIGN}/`);
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

// Last: it replaces the ticket, which the Worker's hot path may keep in
// memory for a minute; nothing after it asks /config.
await test('debug page names a signature made with the previous ticket (the ticket rotated)', async () => {
  const old = await currentTicket();
  const url = `${P}/news?id=42`;
  const ts = Math.floor(Date.now() / 1000);
  const c = { name: 'rotated', page: url, signed: '', appId: APPID, ts, nonce, signature: sign(old, nonce, ts, url) };
  // WeChat issues a new ticket only once the old one is gone: the stand-in
  // forgets its tickets (and tokens), and the cron, with its ticket due,
  // fetches the new one (buying a token on the way).
  await getJSON(STANDIN + '/__standin/reset', { method: 'POST' });
  const cron = await fetch(`${WXSIGN}/__scheduled?cron=*/10+*+*+*+*`);
  assert.equal(cron.status, 200, 'the cron ran');
  assert.notEqual(await currentTicket(), old, 'the cron replaced the ticket (it must be due: the stand-in issues tickets for 1000 s)');
  await new Promise((r) => setTimeout(r, 1500)); // the isolate reads KV again after WXSIGN_TEST_RECORD_TTL
  const { page, close } = await open(UA.desktop, null);
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
