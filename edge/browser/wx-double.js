// A test double of jweixin's `wx` that verifies wx.config the way WeChat
// does, trusting nothing wxsign.js computed: it hashes
// "jsapi_ticket=T&noncestr=N&timestamp=S&url=U" itself (SubtleCrypto), with
// T the WeChat stand-in's current ticket (the runner's /__ticket) and U the
// URL WeChat would check: on iOS the URL the page was entered at, elsewhere
// the current one, without its fragment. The mode comes from the user agent;
// an Apple device that reports a Mac (iPadOS) counts as iOS, as WeChat runs
// WebKit there too.
//
// Load it in <head> before any other script, so that the entry URL is the
// one the page was loaded at. data-ticket="wrong" verifies with a wrong
// ticket, so that every signature fails.
//
// window.__wxDouble.log has one entry per wx.config: {n, mode, url, ok, errMsg}.
(function () {
  'use strict';
  var ENTRY = location.href.split('#')[0];
  var MODE = /iPhone|iPad|iPod|Macintosh/.test(navigator.userAgent) ? 'ios' : 'android';
  var script = document.currentScript;
  var WRONG = !!script && script.getAttribute('data-ticket') === 'wrong';

  var state = 0; // 0 verifying, 1 ready, -1 failed: as jweixin keeps it
  var failure = null;
  var readyCallbacks = [];
  var errorCallback = null;
  var serial = 0;
  var log = [];

  async function sha1(s) {
    var digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(s));
    return Array.from(new Uint8Array(digest), function (b) {
      return b.toString(16).padStart(2, '0');
    }).join('');
  }

  // verify checks wx.config; beta: true is WeCom's, signed with the corp
  // ticket for the CorpID.
  async function verify(c, url) {
    var res = await fetch(c.beta ? '/__ticket?wecom=1' : '/__ticket', { cache: 'no-store' });
    var cur = await res.json();
    var ticket = WRONG ? cur.ticket + '-wrong' : cur.ticket;
    if (c.appId !== cur.appId) return 'config:invalid appid';
    if (!c.nonceStr || !c.timestamp || !c.signature) return 'config:invalid arguments';
    if (!Array.isArray(c.jsApiList)) return 'config:jsApiList is not an array';
    var want = await sha1('jsapi_ticket=' + ticket + '&noncestr=' + c.nonceStr + '&timestamp=' + c.timestamp + '&url=' + url);
    return want === c.signature ? '' : 'config:invalid signature';
  }

  function config(c) {
    var n = ++serial;
    // WeChat takes the URL when wx.config is called.
    var url = MODE === 'ios' ? ENTRY : location.href.split('#')[0];
    var entry = { n: n, mode: MODE, url: url, ok: null, errMsg: '' };
    log.push(entry);
    state = 0;
    verify(c, url).then(function (errMsg) {
      if (n !== serial) return; // a later wx.config replaced this one
      entry.ok = !errMsg;
      entry.errMsg = errMsg;
      if (entry.ok) {
        state = 1;
        readyCallbacks.splice(0).forEach(function (f) {
          f();
        });
      } else {
        state = -1;
        failure = { errMsg: errMsg };
        if (errorCallback) errorCallback(failure);
      }
    }, function (e) {
      entry.ok = false;
      entry.errMsg = 'double: ' + e.message;
      state = -1;
      failure = { errMsg: entry.errMsg };
      if (errorCallback) errorCallback(failure);
    });
  }

  // agentConfig checks WeCom's wx.agentConfig as WeCom does: after a
  // wx.config, with the agent's own ticket, for the URL WeCom checks.
  function agentConfig(c) {
    var url = MODE === 'ios' ? ENTRY : location.href.split('#')[0];
    var entry = { n: ++serial, mode: MODE, url: url, ok: null, errMsg: '', agent: true };
    log.push(entry);
    (async function () {
      if (state !== 1) return 'agentConfig:wx.config is not ready';
      var cur = await (await fetch('/__ticket?wecom=1', { cache: 'no-store' })).json();
      if (c.corpid !== cur.appId || String(c.agentid) !== cur.agentId) return 'agentConfig:invalid corpid or agentid';
      var want = await sha1('jsapi_ticket=' + cur.agentTicket + '&noncestr=' + c.nonceStr + '&timestamp=' + c.timestamp + '&url=' + url);
      return want === c.signature ? '' : 'agentConfig:invalid signature';
    })().then(function (errMsg) {
      entry.ok = !errMsg;
      entry.errMsg = errMsg;
      if (entry.ok) c.success && c.success({ errMsg: 'agentConfig:ok' });
      else c.fail && c.fail({ errMsg: errMsg });
    });
  }

  window.wx = {
    config: config,
    agentConfig: agentConfig,
    ready: function (f) {
      if (state === 1) f();
      else readyCallbacks.push(f);
    },
    error: function (f) {
      if (state === -1) f(failure);
      else errorCallback = f;
    },
  };
  window.__wxDouble = { log: log, mode: MODE, entry: ENTRY };
})();
