// The one double of the page-side SDK that is left: wx.agentConfig.
//
// WeChat's jweixin 1.6.x (npm weixin-js-sdk 1.6.5, what the browser tests
// load) has no wx.agentConfig: WeCom adds it with its own script,
// jwxwork-1.0.0.js, which is not on npm. So the WeCom test page loads this
// file in its place (routed where WeCom serves jwxwork) and it adds only that
// call to the official `wx`: it hands the agent's signature to WeChat's
// native side, WeixinJSBridge.invoke('agentConfig', ...), and calls success
// or fail by the answer. The check itself is the bridge double's
// (wx-bridge.js), as WeChat's is; wx.config (beta) before it runs in the
// official SDK.
(function () {
  'use strict';
  var wx = window.wx;
  if (!wx || wx.agentConfig) return;
  wx.agentConfig = function (c) {
    var run = function () {
      window.WeixinJSBridge.invoke('agentConfig', {
        corpid: c.corpid,
        agentid: String(c.agentid),
        timestamp: String(c.timestamp),
        nonceStr: c.nonceStr,
        signature: c.signature,
        jsApiList: c.jsApiList || [],
      }, function (res) {
        var msg = String(res.err_msg || '').replace(/:fail_?/, ':').replace(/_/g, ' ');
        var r = { errMsg: msg };
        if (/:ok$/.test(msg)) c.success && c.success(r);
        else c.fail && c.fail(r);
        c.complete && c.complete(r);
      });
    };
    if (window.WeixinJSBridge) run();
    else document.addEventListener('WeixinJSBridgeReady', run, false);
  };
})();
