/*! wxsign.js: wx.config for pages in WeChat, signed by the wxsign Worker this file is served from.
 *
 *   <script src="https://res.wx.qq.com/open/js/jweixin-1.6.0.js"></script>
 *   <script src="https://wxsign.example.com/wxsign.js"></script>
 *   <script>wxsign.ready({jsApiList: ['updateAppMessageShareData']}).then(() => wx.updateAppMessageShareData({...}))</script>
 *
 * Options: jsApiList, openTagList, debug (wx.config's), appid (when the Worker signs for several apps),
 * auto (sign again by itself after a route change), timeout (ms, default 15000),
 * wecom + agentid (WeCom: wx.config with beta, then wx.agentConfig; or ww.register when @wecom/jssdk is loaded).
 * Plain ES2017, no dependencies, no build step.
 */
(function (global) {
  'use strict';

  var VERSION = '1.0.0';
  // Loaded by a script tag: currentScript; else (in some loaders) the tag that names this file.
  var script = document.currentScript || document.querySelector('script[src*="wxsign.js"]');
  // The Worker is the origin this file was loaded from.
  var BASE = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  // iOS WeChat verifies a single-page app's signature against the URL the page was entered at,
  // for as long as the page lives; Android against the current one. Captured when this file loads.
  var ENTRY = currentURL();
  var UA = navigator.userAgent || '';
  // iPadOS can report itself as a Mac: a touch screen tells them apart.
  var IOS = /iPhone|iPad|iPod/.test(UA) || (/Macintosh/.test(UA) && navigator.maxTouchPoints > 1);
  var WECHAT = /MicroMessenger/i.test(UA);

  // Which URL this platform verifies: 'entry' or 'current'. A guess from the user agent, corrected
  // when the second attempt (with the other URL) is the one that works.
  var prefer = IOS ? 'entry' : 'current';
  var last = null; // the latest ready(): {key, promise, signature}
  var watched = null; // the options of auto: true

  // WeChat's answers to wx.config, by signature. The SDK (jweixin 1.6.x) runs wx.ready callbacks after a check
  // completes, passed or failed, and once any check has completed it runs every later wx.ready(fn) at once: it
  // never says whether a later wx.config passed. It talks to WeChat only through
  // WeixinJSBridge.invoke('preVerifyJSAPI', {verifySignature, ...}, cb), so wxsign listens there, for the
  // signature it passed, and reads WeChat's own answer (docs/pages.md).
  var answers = {}; // signature -> [function (errMsg or '')]
  var asked = {}; // signature -> true once the SDK sent it to WeChat through the watched bridge
  var inForce = null; // the signature of the last wx.config the SDK sent to WeChat (the page's own too)

  function currentURL() {
    return location.href.split('#')[0];
  }

  function urlOf(which) {
    return which === 'entry' ? ENTRY : currentURL();
  }

  function other(which) {
    return which === 'entry' ? 'current' : 'entry';
  }

  function normalize(o) {
    o = o || {};
    return {
      appid: o.appid ? String(o.appid) : '',
      agentid: o.agentid ? String(o.agentid) : '',
      debug: !!o.debug,
      jsApiList: Array.isArray(o.jsApiList) ? o.jsApiList.slice() : [],
      openTagList: Array.isArray(o.openTagList) ? o.openTagList.slice() : [],
      wecom: !!o.wecom,
      auto: !!o.auto,
      timeout: o.timeout > 0 ? o.timeout : 15000,
    };
  }

  // key says which config a ready() needs: the same URL and options need no second one.
  function key(url, o) {
    return JSON.stringify([url, o.appid, o.agentid, o.debug, o.jsApiList, o.openTagList, o.wecom]);
  }

  /** ready(options) resolves once wx.config has been verified for this page (see the options above). */
  function ready(options) {
    var o = normalize(options);
    if (o.auto) watch(o);
    var url = urlOf(prefer);
    // After a route change Android needs a new config, iOS keeps the one made for the entry URL: while it is
    // the one in force (the page may have called wx.config itself since).
    if (last && last.key === key(url, o) && (!last.signature || inForce === null || inForce === last.signature)) return last.promise;
    var entry = { key: key(url, o), promise: null, signature: '' };
    entry.promise = (o.wecom ? wecom(o) : configure(o, '/config', applyConfig)).then(
      function (done) {
        entry.key = key(done.url, o); // the URL that worked, which the retry may have changed
        entry.signature = done.signature || '';
        return { url: done.url };
      },
      function (e) {
        if (last === entry) last = null; // a failure is not reused: the next ready() tries again
        throw e;
      }
    );
    last = entry;
    return entry.promise;
  }

  // configure signs with the preferred URL and, on "invalid signature", once more with the other.
  async function configure(o, path, apply) {
    if (!global.wx || typeof global.wx.config !== 'function') {
      throw new Error('wxsign: wx is not defined: load jweixin-1.6.0.js before calling wxsign.ready()');
    }
    var first = prefer;
    var url = urlOf(first);
    var sig;
    try {
      sig = await attempt(o, path, url, apply);
      return { url: url, signature: sig };
    } catch (e) {
      // One re-sign with the other URL, whichever attempt this is (the first on the page or one after a
      // route change); never more.
      var alt = urlOf(other(first));
      if (!e.invalidSignature || alt === url) throw report(e);
      try {
        sig = await attempt(o, path, alt, apply);
      } catch (e2) {
        throw report(e2);
      }
      prefer = other(first); // this platform verifies the other URL: sign that one from now on
      return { url: alt, signature: sig };
    }
  }

  // attempt signs url and resolves with the signature once WeChat accepted it; it rejects when WeChat refused it.
  async function attempt(o, path, url, apply) {
    var answer = await fetchJSON(path, url, o);
    return new Promise(function (resolve, reject) {
      var done = false;
      var timer = setTimeout(function () {
        finish(new Error('wxsign: wx.config got no answer in ' + o.timeout / 1000 + ' s' + (WECHAT ? '' : ' (this page is not open in WeChat)')));
      }, o.timeout);
      // Each attempt answers once: a late answer after the timeout changes nothing.
      function finish(err) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) {
          err.url = url;
          err.answer = answer;
          reject(err);
        } else {
          resolve((answer.config || answer).signature);
        }
      }
      apply(answer, o, finish);
    });
  }

  // watchBridge puts a watch on WeixinJSBridge.invoke, once per bridge object, and says whether it holds.
  function watchBridge() {
    var b = global.WeixinJSBridge;
    if (!b || typeof b.invoke !== 'function') return false;
    if (b.invoke.wxsign) return true;
    var invoke = b.invoke;
    var watched = function (name, params, cb) {
      if (name === 'preVerifyJSAPI' && params && params.verifySignature) {
        var sig = params.verifySignature;
        var inner = cb;
        asked[sig] = true;
        inForce = sig;
        cb = function (res) {
          var msg = res && (res.err_msg || res.errMsg); // read first: the SDK rewrites res
          try {
            if (typeof inner === 'function') inner.apply(this, arguments);
          } finally {
            settle(sig, msg);
          }
        };
      }
      return invoke.call(this, name, params, cb);
    };
    watched.wxsign = true;
    try {
      b.invoke = watched;
    } catch (e) {
      // a frozen bridge: see check()
    }
    return b.invoke === watched;
  }
  watchBridge();
  if (document.addEventListener) document.addEventListener('WeixinJSBridgeReady', watchBridge, false);

  // whenBridge runs fn once WeixinJSBridge is there, after the SDK's own handlers of WeixinJSBridgeReady
  // registered before it.
  function whenBridge(fn) {
    if (global.WeixinJSBridge) return fn();
    document.addEventListener('WeixinJSBridgeReady', function once() {
      document.removeEventListener('WeixinJSBridgeReady', once, false);
      fn();
    }, false);
  }

  // settle hands WeChat's answer to a check ("preVerifyJSAPI:ok", "preVerifyJSAPI:fail_invalid signature")
  // to those waiting for that signature, in the SDK's words ("config:invalid signature").
  function settle(sig, msg) {
    var waiting = answers[sig];
    delete answers[sig];
    msg = String(msg || 'fail');
    var why = msg.slice(msg.indexOf(':') + 1).replace(/^failed_|^fail_/, '').replace(/_/g, ' ');
    // The SDK counts "function not exist" as passed, as it does "ok".
    var failed = why === 'ok' || why === 'function not exist' ? '' : 'config:' + why;
    (waiting || []).forEach(function (f) {
      f(failed);
    });
  }

  // check calls wx.config and calls back with WeChat's verdict on it: '' or the SDK's errMsg.
  function check(c, o, beta, back) {
    var sig = c.signature;
    (answers[sig] = answers[sig] || []).push(back);
    watchBridge();
    wxConfig(c, o, beta);
    whenBridge(function () {
      if (asked[sig]) return;
      // The SDK sends the config in force when the bridge is there: a wx.config made meanwhile replaced ours.
      if (watchBridge()) return settle(sig, 'preVerifyJSAPI:fail_replaced by a later wx.config before WeChat checked it');
      // The bridge cannot be watched (a frozen object): ask WeChat once more through the SDK, which sends
      // the config now in force with the call.
      if (typeof global.wx.invoke !== 'function') return settle(sig, 'preVerifyJSAPI:fail_cannot learn WeChat\'s answer: WeixinJSBridge cannot be watched and wx has no invoke');
      global.wx.invoke('preVerifyJSAPI', { verifyJsApiList: o.jsApiList.slice(), verifyOpenTagList: o.openTagList.slice() }, function (res) {
        settle(sig, res && (res.err_msg || res.errMsg));
      });
    });
  }

  // wxConfig calls wx.config with a signed config; beta is WeCom's.
  function wxConfig(c, o, beta) {
    var cfg = {
      debug: o.debug,
      appId: c.appId,
      timestamp: c.timestamp,
      nonceStr: c.nonceStr,
      signature: c.signature,
      jsApiList: o.jsApiList,
      openTagList: o.openTagList,
    };
    if (beta) cfg.beta = true;
    global.wx.config(cfg);
  }

  function applyConfig(c, o, finish) {
    check(c, o, false, function (failed) {
      finish(failed ? sdkError('wx.config', { errMsg: failed }) : null);
    });
  }

  // WeCom through jweixin: wx.config (beta) for the corp, then wx.agentConfig for the app (which WeCom's
  // jwxwork-1.0.0.js adds to wx).
  function applyWecom(r, o, finish) {
    check(r.config, o, true, function (failed) {
      if (failed) return finish(sdkError('wx.config', { errMsg: failed }));
      var a = r.agentConfig;
      if (!a) return finish();
      if (typeof global.wx.agentConfig !== 'function') {
        return finish(new Error('wxsign: wx.agentConfig is not defined: load jwxwork-1.0.0.js after jweixin'));
      }
      global.wx.agentConfig({
        corpid: a.corpid,
        agentid: a.agentid,
        timestamp: a.timestamp,
        nonceStr: a.nonceStr,
        signature: a.signature,
        jsApiList: o.jsApiList,
        success: function () {
          finish();
        },
        fail: function (res) {
          finish(sdkError('wx.agentConfig', res));
        },
      });
    });
  }

  async function wecom(o) {
    var ww = global.ww;
    if (!ww || typeof ww.register !== 'function') return configure(o, '/wecom/config', applyWecom);
    // @wecom/jssdk asks for signatures itself, for the URL it knows WeCom checks.
    var url = urlOf(prefer);
    var answers = {};
    var get = function (u) {
      if (!answers[u]) {
        answers[u] = fetchJSON('/wecom/config', u, o).catch(function (e) {
          delete answers[u];
          throw e;
        });
      }
      return answers[u];
    };
    var first = await get(url);
    var pick = function (part) {
      return function (u) {
        return get(u).then(function (r) {
          var s = r[part];
          return { timestamp: s.timestamp, nonceStr: s.nonceStr, signature: s.signature };
        });
      };
    };
    ww.register({
      corpId: (first.agentConfig && first.agentConfig.corpid) || first.config.appId,
      agentId: o.agentid || (first.agentConfig && first.agentConfig.agentid),
      jsApiList: o.jsApiList,
      openTagList: o.openTagList,
      getConfigSignature: pick('config'),
      getAgentConfigSignature: pick('agentConfig'),
      onConfigFail: function (res) {
        console.error('wxsign: ww config failed: ' + errMsg(res));
      },
      onAgentConfigFail: function (res) {
        console.error('wxsign: ww agentConfig failed: ' + errMsg(res));
      },
    });
    return { url: url };
  }

  // STILL_OLD is wxsign's errcode for the seconds before a ticket dies, when
  // WeChat has no new one yet; the answer comes once, after them.
  var STILL_OLD = 1055;
  var STILL_OLD_WAIT_MS = 12000;

  async function fetchJSON(path, url, o, again) {
    var q = '?url=' + encodeURIComponent(url);
    if (o.appid) q += '&appid=' + encodeURIComponent(o.appid);
    if (o.wecom && o.agentid) q += '&agentid=' + encodeURIComponent(o.agentid);
    var res, body;
    try {
      res = await fetch(BASE + path + q, { credentials: 'omit', cache: 'no-store' });
    } catch (e) {
      throw new Error('wxsign: could not reach ' + BASE + path + ' (' + e.message + "): is this page's origin in the Worker's ALLOWED_ORIGINS?");
    }
    try {
      body = await res.json();
    } catch (e) {
      throw new Error('wxsign: ' + BASE + path + ' answered HTTP ' + res.status + ', not JSON');
    }
    if (body.errcode === STILL_OLD && !again) {
      await new Promise(function (resolve) {
        setTimeout(resolve, STILL_OLD_WAIT_MS);
      });
      return fetchJSON(path, url, o, true);
    }
    if (!res.ok || body.errcode) {
      throw new Error('wxsign: ' + path + ' refused to sign ' + url + ': ' + body.errmsg + ' (errcode ' + body.errcode + ', HTTP ' + res.status + ')');
    }
    return body;
  }

  function errMsg(res) {
    return (res && (res.errMsg || res.err_msg || res.message)) || 'unknown error';
  }

  function sdkError(what, res) {
    var msg = errMsg(res);
    var e = new Error('wxsign: ' + what + ' failed: ' + msg);
    e.errMsg = msg;
    e.invalidSignature = /invalid signature/i.test(msg);
    return e;
  }

  // report prints where to look into a refused signature, and names the URL in the error.
  function report(e) {
    if (!e.invalidSignature) return e;
    var c = (e.answer && e.answer.config) || e.answer || {};
    // ?url= is the URL signed; the fragment (never sent to the Worker) fills in the rest of the debug page's form.
    var link = BASE + '/debug?url=' + encodeURIComponent(e.url) + '#' + [
      ['page', location.href], ['appId', c.appId], ['timestamp', c.timestamp], ['nonceStr', c.nonceStr], ['signature', c.signature],
    ].map(function (kv) {
      return kv[0] + '=' + encodeURIComponent(kv[1] == null ? '' : kv[1]);
    }).join('&');
    console.error('wxsign: WeChat refused the signature for ' + e.url + '. Find out why: ' + link);
    e.message += ' (signed ' + e.url + '; find out why: ' + BASE + '/debug?url=' + encodeURIComponent(e.url) + ')';
    e.debugLink = link;
    return e;
  }

  // watch signs again after each route change (auto: true), where the platform needs it.
  function watch(o) {
    var first = watched === null;
    watched = o;
    if (!first) return;
    ['pushState', 'replaceState'].forEach(function (m) {
      var original = history[m];
      history[m] = function () {
        var r = original.apply(this, arguments);
        changed();
        return r;
      };
    });
    global.addEventListener('popstate', changed);
  }

  function changed() {
    // After the router's own handlers: the page may call ready() itself too, which is then reused.
    setTimeout(function () {
      ready(watched).catch(function (e) {
        console.error(e.message);
      });
    }, 0);
  }

  global.wxsign = {
    ready: ready,
    /** signedUrl() is the URL ready() signs on this page now. */
    signedUrl: function () {
      return urlOf(prefer);
    },
    version: VERSION,
  };
})(window);
