// A test double of WeChat's native side, window.WeixinJSBridge: the only
// thing WeChat's own JS-SDK (jweixin-1.6.0.js, loaded by the page as in the
// wild) talks to. It verifies what the SDK sends the way WeChat does,
// trusting nothing wxsign.js computed: for invoke('preVerifyJSAPI') it hashes
// "jsapi_ticket=T&noncestr=N&timestamp=S&url=U" itself (SubtleCrypto), with T
// the WeChat stand-in's live ticket (the runner's /__ticket) and U the URL
// WeChat checks: on iOS the URL the page was entered at, elsewhere the
// current one, without its fragment. The mode comes from the user agent; an
// Apple device that reports a Mac (iPadOS) counts as iOS, as WeChat runs
// WebKit there too.
//
// As in WeChat, the bridge arrives a moment after the document (data-delay,
// ms, default 150) and is announced by a WeixinJSBridgeReady event on
// document; data-bridge="early" defines it at once, before the SDK loads.
// data-bridge="frozen" makes it an object no script can change.
// data-ticket="wrong" verifies with a wrong ticket, so that every signature
// fails; data-refuse-after="N" refuses every check after the first N.
//
// Calls are answered one at a time, in order, so an API call waits for the
// check before it. An API other than the checks succeeds only while the
// last check passed, was made with the signature now in force and listed
// the API; otherwise it answers ":fail_permission denied".
//
// WeCom: a check whose appId is the CorpID is verified with the corp ticket;
// invoke('agentConfig') (jwxwork's wx.agentConfig, see jwxwork-double.js)
// with the agent's ticket, after a passed check.
//
// Load it in <head> before any other script, so that the entry URL is the one
// the page was loaded at. window.__bridge.log has one entry per check:
// {n, api, mode, url, ok, errMsg, signature}; window.__bridge.calls one per
// other API call: {api, errMsg}.
(function () {
  'use strict';
  var ENTRY = location.href.split('#')[0];
  var MODE = /iPhone|iPad|iPod|Macintosh/.test(navigator.userAgent) ? 'ios' : 'android';
  var script = document.currentScript;
  var attr = function (name) {
    return script ? script.getAttribute(name) : null;
  };
  var WRONG = attr('data-ticket') === 'wrong';
  var REFUSE_AFTER = attr('data-refuse-after') === null ? Infinity : Number(attr('data-refuse-after'));
  var EARLY = attr('data-bridge') === 'early';
  var FROZEN = attr('data-bridge') === 'frozen';
  var DELAY = attr('data-delay') === null ? 150 : Number(attr('data-delay'));

  var log = [];
  var calls = [];
  var last = null; // the last completed check: {ok, signature, jsApiList, corp}
  var queue = Promise.resolve();

  async function sha1(s) {
    var digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(s));
    return Array.from(new Uint8Array(digest), function (b) {
      return b.toString(16).padStart(2, '0');
    }).join('');
  }

  async function tickets() {
    var res = await fetch('/__ticket', { cache: 'no-store' });
    return res.json();
  }

  function checkedURL() {
    return MODE === 'ios' ? ENTRY : location.href.split('#')[0];
  }

  // preVerify is WeChat's check of wx.config; the URL is taken when the SDK
  // asks, as WeChat does.
  async function preVerify(p, entry) {
    var t = await tickets();
    var corp = p.verifyAppId === t.corpId && !!t.corpId;
    var ticket = corp ? t.corpTicket : t.ticket;
    if (!corp && p.verifyAppId !== t.appId) return 'fail_invalid appid';
    if (!p.verifyNonceStr || !p.verifyTimestamp || !p.verifySignature) return 'fail_invalid arguments';
    if (WRONG) ticket += '-wrong';
    if (log.length > REFUSE_AFTER) return 'fail_invalid signature';
    var want = await sha1('jsapi_ticket=' + ticket + '&noncestr=' + p.verifyNonceStr + '&timestamp=' + p.verifyTimestamp + '&url=' + entry.url);
    if (want !== p.verifySignature) return 'fail_invalid signature';
    entry.corp = corp;
    return '';
  }

  async function agentConfig(p, entry) {
    if (!last || !last.ok || !last.corp) return 'fail_wx.config is not ready';
    var t = await tickets();
    if (p.corpid !== t.corpId || String(p.agentid) !== t.agentId) return 'fail_invalid corpid or agentid';
    var want = await sha1('jsapi_ticket=' + t.agentTicket + '&noncestr=' + p.nonceStr + '&timestamp=' + p.timestamp + '&url=' + entry.url);
    return want === p.signature ? '' : 'fail_invalid signature';
  }

  function answer(cb, res) {
    if (typeof cb === 'function') cb(res);
  }

  function invoke(name, params, cb) {
    var p = params || {};
    queue = queue.then(async function () {
      if (name === 'preVerifyJSAPI' || name === 'agentConfig') {
        var entry = { n: log.length + 1, api: name, mode: MODE, url: checkedURL(), ok: null, errMsg: '', signature: p.verifySignature || p.signature };
        log.push(entry);
        var fail;
        try {
          fail = name === 'agentConfig' ? await agentConfig(p, entry) : await preVerify(p, entry);
        } catch (e) {
          fail = 'fail_double: ' + e.message;
        }
        entry.ok = !fail;
        entry.errMsg = fail ? name + ':' + fail : '';
        if (name === 'preVerifyJSAPI') {
          last = { ok: !fail, signature: p.verifySignature, jsApiList: p.verifyJsApiList || [], corp: !!entry.corp };
        }
        return answer(cb, { err_msg: name + ':' + (fail || 'ok') });
      }
      if (name === 'getNetworkType') return answer(cb, { err_msg: 'network_type:wifi' }); // the SDK's own report asks
      var allowed = !!last && last.ok && p.verifySignature === last.signature && last.jsApiList.indexOf(name) >= 0;
      var errMsg = name + ':' + (allowed ? 'ok' : 'fail_permission denied');
      calls.push({ api: name, errMsg: errMsg });
      answer(cb, { err_msg: errMsg });
    });
  }

  function install() {
    window.WeixinJSBridge = {
      invoke: invoke,
      call: invoke,
      on: function () {},
      log: function () {},
    };
    if (FROZEN) Object.freeze(window.WeixinJSBridge);
    if (!EARLY) document.dispatchEvent(new Event('WeixinJSBridgeReady'));
  }

  window.__bridge = { log: log, calls: calls, mode: MODE, entry: ENTRY };
  if (EARLY) install();
  else setTimeout(install, DELAY);
})();
