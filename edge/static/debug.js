// The debug and landing pages of wxsign: every string they show, in English
// and Chinese, is in STRINGS below; the rest fills the pages in. Text from
// requests and answers goes into the page as text (textContent), never as
// markup.
(function () {
  'use strict';

  var STRINGS = {
    en: {
      lang_name: 'EN',
      debug_title: 'wxsign: why is my signature invalid?',
      debug_intro: 'Find out why wx.config says "invalid signature": see what wxsign signs for your page, then paste what your page passed to wx.config.',
      info_title: 'What wxsign signs for a page',
      info_go: 'Show',
      page_url: 'Page URL (location.href, as the page shows it)',
      info_url: 'URL signed (the fragment removed)',
      info_appid: 'appId',
      info_timestamp: 'timestamp',
      info_nonce: 'nonceStr',
      info_signature: 'signature',
      info_canonical: 'String signed (the ticket redacted)',
      info_ticket: 'jsapi_ticket',
      info_ticket_text: '{length} characters, starts with "{prefix}", fetched {fetched}, valid for {left} more minutes',
      info_ticket_text_short: '{length} characters, fetched {fetched}, valid for {left} more minutes',
      check_title: 'Check a failing wx.config',
      check_intro: 'Paste the object your page passed to wx.config (JSON or JavaScript), or fill in the fields. Nothing you enter is stored.',
      paste_label: 'Paste wx.config({...}) here',
      paste_filled: 'Filled in from the paste: {fields}.',
      paste_nothing: 'Found no appId, timestamp, nonceStr or signature in the paste.',
      signed_url: 'URL your code signed (leave empty if you do not know: wxsign tries the usual mistakes)',
      check_go: 'Check',
      checking: 'Checking…',
      loading: 'Loading…',
      result_ok: 'The signature is right for this page.',
      result_bad: 'The signature is not right for this page.',
      should_sign: 'URL that should be signed',
      was_signed: 'URL that was signed',
      diff_title: 'Where the two URLs differ (highlighted)',
      diff_signed: 'signed',
      diff_page: 'page',
      detail: 'Seen: {detail}',
      at: 'first difference at character {at}',
      error: 'wxsign answered: {msg}',
      error_network: 'Could not reach wxsign: {msg}',
      notes_title: 'Notes on this URL',
      ago_s: '{n} s ago',
      ago_min: '{n} min ago',
      ago_h: '{n} h ago',
      index_title: 'wxsign',
      index_intro: 'wx.config signatures for web pages in WeChat, from this Worker.',
      status_title: 'Status',
      status_loading: 'Asking /healthz…',
      status_configured: 'Configured for appId {appid}.',
      status_not_configured: 'Not configured: {problems}.',
      status_ticket_ok: 'A jsapi_ticket is present and valid for {n} more minutes.',
      status_ticket_none: 'No valid jsapi_ticket yet: the first /config or the next cron run fetches one.',
      status_last_error: 'Last error{code}, {when}: {msg}',
      status_no_error: 'No refresh has failed.',
      status_warning: 'Warning: {msg}',
      status_unreachable: 'Could not read /healthz: {msg}',
      links_title: 'Use it',
      link_debug: 'Debug an invalid signature',
      usage_intro: 'Add two script tags and one call to your page:',
      footer: 'wxsign',
      notes: {
        fragment_kept: 'The # and what follows it ({detail}) is not signed: wxsign signed the URL without it.',
        trailing_slash: 'This URL has no path. A browser holds it as {detail}, and that is what wxsign.js signs.',
        share_params: 'The URL carries WeChat\'s share parameters ({detail}). Sign them along, as location.href has them.',
      },
      findings: {
        bad_url: ['The page URL cannot be signed', 'wxsign refuses this URL: {detail}. Paste location.href as the page shows it.'],
        bad_input: ['A value is missing or malformed', '{detail}. Copy the values exactly as they were passed to wx.config.'],
        host_not_allowed: ['This host is not allowed to be signed', 'The page\'s host ({detail}) is not in the Worker\'s ALLOWED_HOSTS, so /config refuses to sign it. Add it to ALLOWED_HOSTS.'],
        fragment_kept: ['The signed URL keeps its #fragment', 'WeChat signs the URL without the # and what follows it ({detail}). Sign location.href.split(\'#\')[0].'],
        url_encoded: ['The signed URL was percent-encoded once more', 'Your code encoded the URL (for example with encodeURIComponent) before signing it. Sign it exactly as location.href has it; encode it only to put it in a query string, and decode it once on the server.'],
        url_decoded: ['The signed URL was percent-decoded', 'Your code decoded the URL (for example with decodeURIComponent or a framework reading the query) before signing it. Keep every %XX exactly as location.href has it.'],
        amp_escaped: ['The signed URL has &amp; instead of &', 'The URL went through HTML escaping (a template printed it into the page). Pass the raw URL, with plain & between parameters.'],
        scheme_differs: ['The scheme differs (http vs https)', '{detail}. Behind a proxy or CDN the server often sees http: sign the URL the browser has, not one rebuilt on the server.'],
        host_differs: ['The host differs', '{detail}. Sign the host the page is really at, as location.href shows it.'],
        port_differs: ['The port differs', '{detail}. Browsers drop the default port (:80, :443) and keep any other; sign the URL as location.href shows it.'],
        trailing_slash: ['A trailing slash differs', '{detail}. A browser gives a URL without a path a "/" (http://qq.com becomes http://qq.com/); sign location.href.'],
        share_params: ['WeChat\'s share parameters differ', '{detail}. A shared link comes back with parameters such as from=singlemessage&isappinstalled=0: sign the URL with them, as location.href has it, not the link you shared.'],
        url_differs: ['The signed URL is another page\'s', 'The path or query differs (highlighted below). In a single-page app on iOS, WeChat checks the URL the app was entered at; on Android the current one. wxsign.js picks the right one.'],
        signed_wrong_url: ['The signature is right, for the wrong URL', 'The signature matches the URL your code signed ({detail}) with the current ticket, so only the URL is wrong: see above.'],
        previous_ticket: ['Signed with the previous jsapi_ticket', 'The signature was made with the ticket wxsign held before the current one: the ticket was replaced, and the signature came from a cache. Do not cache signatures; ask /config for each page view.'],
        appid_mismatch: ['The appId is not the one that signed', '{detail}. wx.config\'s appId must be the app whose ticket made the signature.'],
        timestamp_skewed: ['The timestamp is off', '{detail}. wx.config wants seconds since 1970, the very number that was signed. If you copied this config a while ago, ignore this.'],
        signature_ok: ['The signature is right: check the JS interface safe domain', 'Nothing is wrong with the signature. WeChat also refuses pages whose domain is not set up for the JS-SDK. In the official account: mp.weixin.qq.com → 设置与开发 (Settings and development) → 公众号设置 (Account settings) → 功能设置 (Function settings) → JS接口安全域名 (JS interface safe domain). Enter "{detail}": the domain only, without http:// or a port. Download the MP_verify_….txt file shown there and serve it at the root of that domain.'],
        signature_mismatch: ['The signature matches nothing wxsign tried', 'It was not made with the current or the previous ticket for this page or the URLs tried. Check that nonceStr and timestamp are exactly the values that were signed, that the ticket belongs to this appId, and that no other server signs with a ticket of its own.'],
      },
    },
    zh: {
      lang_name: '中文',
      debug_title: 'wxsign：签名为什么无效？',
      debug_intro: '找出 wx.config 报 “invalid signature” 的原因：先看 wxsign 为你的页面签了什么，再把页面传给 wx.config 的内容贴进来。',
      info_title: 'wxsign 为页面签的内容',
      info_go: '查看',
      page_url: '页面 URL（location.href，即页面显示的地址）',
      info_url: '签名的 URL（去掉了 # 部分）',
      info_appid: 'appId',
      info_timestamp: 'timestamp',
      info_nonce: 'nonceStr',
      info_signature: 'signature',
      info_canonical: '参与签名的字符串（已隐去 ticket）',
      info_ticket: 'jsapi_ticket',
      info_ticket_text: '共 {length} 个字符，以 “{prefix}” 开头，获取于 {fetched}，还有 {left} 分钟有效',
      info_ticket_text_short: '共 {length} 个字符，获取于 {fetched}，还有 {left} 分钟有效',
      check_title: '检查失败的 wx.config',
      check_intro: '把页面传给 wx.config 的对象贴进来（JSON 或 JavaScript 均可），或逐项填写。填写的内容不会被保存。',
      paste_label: '在此粘贴 wx.config({...})',
      paste_filled: '已从粘贴内容填入：{fields}。',
      paste_nothing: '粘贴内容里没有找到 appId、timestamp、nonceStr 或 signature。',
      signed_url: '你的代码签名用的 URL（不清楚可留空：wxsign 会尝试常见错误）',
      check_go: '检查',
      checking: '正在检查…',
      loading: '正在加载…',
      result_ok: '签名对这个页面是正确的。',
      result_bad: '签名对这个页面不正确。',
      should_sign: '应当签名的 URL',
      was_signed: '实际签名的 URL',
      diff_title: '两个 URL 的不同之处（高亮）',
      diff_signed: '签名',
      diff_page: '页面',
      detail: '看到的：{detail}',
      at: '第 {at} 个字符起不同',
      error: 'wxsign 的回答：{msg}',
      error_network: '无法连接 wxsign：{msg}',
      notes_title: '关于这个 URL',
      ago_s: '{n} 秒前',
      ago_min: '{n} 分钟前',
      ago_h: '{n} 小时前',
      index_title: 'wxsign',
      index_intro: '由这个 Worker 为微信内网页提供 wx.config 签名。',
      status_title: '状态',
      status_loading: '正在查询 /healthz…',
      status_configured: '已配置，appId 为 {appid}。',
      status_not_configured: '未配置：{problems}。',
      status_ticket_ok: '已有 jsapi_ticket，还有 {n} 分钟有效。',
      status_ticket_none: '还没有有效的 jsapi_ticket：第一次 /config 请求或下一次定时任务会获取。',
      status_last_error: '最近一次错误{code}，{when}：{msg}',
      status_no_error: '没有刷新失败过。',
      status_warning: '注意：{msg}',
      status_unreachable: '无法读取 /healthz：{msg}',
      links_title: '使用方法',
      link_debug: '排查无效签名',
      usage_intro: '在页面中加入两个 script 标签和一次调用：',
      footer: 'wxsign',
      notes: {
        fragment_kept: '# 及其后的部分（{detail}）不参与签名：wxsign 签的是去掉它之后的 URL。',
        trailing_slash: '这个 URL 没有路径。浏览器会把它记为 {detail}，wxsign.js 签的也是这个。',
        share_params: '这个 URL 带有微信的分享参数（{detail}）。签名时要带上它们，和 location.href 一致。',
      },
      findings: {
        bad_url: ['页面 URL 无法签名', 'wxsign 拒绝了这个 URL：{detail}。请粘贴页面显示的 location.href。'],
        bad_input: ['有值缺失或格式不对', '{detail}。请按传给 wx.config 的原样复制。'],
        host_not_allowed: ['该域名不在允许签名的列表中', '页面的域名（{detail}）不在 Worker 的 ALLOWED_HOSTS 中，/config 不会为它签名。请把它加入 ALLOWED_HOSTS。'],
        fragment_kept: ['签名的 URL 带着 # 及其后的部分', '微信签名用的 URL 不含 # 及其后的部分（{detail}）。请对 location.href.split(\'#\')[0] 签名。'],
        url_encoded: ['签名的 URL 被多编码了一次', '你的代码在签名前对 URL 做了编码（例如 encodeURIComponent）。请按 location.href 的原样签名；只在放进查询参数时编码，服务器端解码一次。'],
        url_decoded: ['签名的 URL 被解码了', '你的代码在签名前对 URL 做了解码（例如 decodeURIComponent，或框架解析了查询参数）。每个 %XX 都要和 location.href 保持一致。'],
        amp_escaped: ['签名的 URL 里是 &amp; 而不是 &', 'URL 经过了 HTML 转义（模板把它输出到了页面里）。请传原始 URL，参数之间用普通的 &。'],
        scheme_differs: ['协议不同（http 与 https）', '{detail}。在代理或 CDN 后面，服务器看到的常常是 http：请对浏览器里的 URL 签名，而不是服务器端拼出来的 URL。'],
        host_differs: ['域名不同', '{detail}。请对页面实际所在的域名签名，以 location.href 为准。'],
        port_differs: ['端口不同', '{detail}。浏览器会省略默认端口（:80、:443），其他端口则保留；请按 location.href 签名。'],
        trailing_slash: ['末尾的斜杠不同', '{detail}。没有路径的 URL 会被浏览器补上 “/”（http://qq.com 变成 http://qq.com/）；请对 location.href 签名。'],
        share_params: ['微信分享参数不同', '{detail}。分享出去的链接被打开时会带上 from=singlemessage&isappinstalled=0 等参数：请按 location.href（带着这些参数）签名，而不是按你分享的链接。'],
        url_differs: ['签名的是另一个页面的 URL', '路径或查询参数不同（下方高亮）。iOS 上的单页应用，微信校验的是进入时的 URL；安卓上是当前 URL。wxsign.js 会自动选对。'],
        signed_wrong_url: ['签名本身正确，但签的 URL 不对', '用当前 ticket 对你的代码所签的 URL（{detail}）计算，签名是对的，所以只是 URL 不对：见上文。'],
        previous_ticket: ['用的是上一个 jsapi_ticket', '这个签名是用 wxsign 之前持有的 ticket 算的：ticket 已经更换，而签名来自缓存。不要缓存签名，每次打开页面都向 /config 请求。'],
        appid_mismatch: ['appId 与签名所用的公众号不符', '{detail}。wx.config 的 appId 必须是签名所用 ticket 所属的公众号。'],
        timestamp_skewed: ['时间戳不对', '{detail}。wx.config 要的是自 1970 年起的秒数，而且必须是参与签名的那个数。如果这份 config 是一段时间前复制的，可以忽略这一条。'],
        signature_ok: ['签名正确：请检查 JS 接口安全域名', '签名本身没有问题。域名没有设置 JS 接口安全域名的页面，微信也会拒绝。在公众号后台：mp.weixin.qq.com → 设置与开发 → 公众号设置 → 功能设置 → JS接口安全域名，填入 “{detail}”：只填域名，不带 http:// 和端口。下载那里给出的 MP_verify_….txt 文件，放在该域名的根目录下。'],
        signature_mismatch: ['签名与所有尝试都不匹配', '它既不是用当前 ticket，也不是用上一个 ticket，为这个页面或尝试过的 URL 算出的。请检查 nonceStr 和 timestamp 是否正是参与签名的值，ticket 是否属于这个 appId，以及是否有别的服务器用自己的 ticket 签名。'],
      },
    },
  };

  // ---- language -------------------------------------------------------

  var lang = chooseLanguage();
  var rerender = []; // what to draw again when the language changes

  function chooseLanguage() {
    try {
      var saved = localStorage.getItem('wxsign.lang');
      if (saved === 'en' || saved === 'zh') return saved;
    } catch (e) {
      // storage may be disabled; fall back to the browser's languages
    }
    var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    for (var i = 0; i < langs.length; i++) {
      var l = String(langs[i]).toLowerCase();
      if (l.indexOf('zh') === 0) return 'zh';
      if (l.indexOf('en') === 0) return 'en';
    }
    return 'en';
  }

  function table() {
    return STRINGS[lang];
  }

  // t returns the string named key, with {name} replaced by vars[name].
  function t(key, vars) {
    var s = table()[key];
    if (s === undefined) s = STRINGS.en[key];
    return fill(s === undefined ? key : s, vars);
  }

  function fill(s, vars) {
    return String(s).replace(/\{(\w+)\}/g, function (m, name) {
      return vars && vars[name] !== undefined && vars[name] !== '' ? String(vars[name]) : m === '{detail}' ? '' : m;
    });
  }

  function setLanguage(l) {
    lang = l;
    try {
      localStorage.setItem('wxsign.lang', l);
    } catch (e) {
      // not remembered; fine
    }
    applyLanguage();
  }

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.querySelectorAll('[data-t]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-t'));
    });
    document.querySelectorAll('[data-t-placeholder]').forEach(function (el) {
      el.placeholder = t(el.getAttribute('data-t-placeholder'));
    });
    document.querySelectorAll('[data-lang]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-lang') === lang));
    });
    var title = document.querySelector('h1[data-t]');
    if (title) document.title = title.textContent;
    rerender.forEach(function (f) {
      f();
    });
  }

  // ---- small DOM helpers ----------------------------------------------

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  function show(box, nodes) {
    box.textContent = '';
    nodes.forEach(function (n) {
      if (n) box.appendChild(n);
    });
  }

  function ago(unix) {
    var s = Math.max(0, Math.round(Date.now() / 1000 - unix));
    if (s < 120) return t('ago_s', { n: s });
    if (s < 7200) return t('ago_min', { n: Math.round(s / 60) });
    return t('ago_h', { n: Math.round(s / 3600) });
  }

  // fetchJSON returns [status, body]; wxsign's errors are {"errcode","errmsg"} with a 4xx/5xx status.
  async function fetchJSON(url, init) {
    var res = await fetch(url, Object.assign({ cache: 'no-store' }, init || {}));
    var body = null;
    try {
      body = await res.json();
    } catch (e) {
      body = { errmsg: 'HTTP ' + res.status };
    }
    return [res.status, body];
  }

  function errorBox(status, body) {
    var msg = body && body.errmsg ? body.errmsg + (body.errcode ? ' (errcode ' + body.errcode + ')' : '') : 'HTTP ' + status;
    return el('p', { class: 'error', role: 'alert' }, [t('error', { msg: msg })]);
  }

  function networkError(e) {
    return el('p', { class: 'error', role: 'alert' }, [t('error_network', { msg: e.message })]);
  }

  // ---- the debug page ---------------------------------------------------

  // diffLines shows the common prefix of two URLs plainly, then what differs highlighted.
  function diffLines(signed, page) {
    var p = 0;
    while (p < signed.length && p < page.length && signed[p] === page[p]) p++;
    var s = 0;
    while (s < signed.length - p && s < page.length - p && signed[signed.length - 1 - s] === page[page.length - 1 - s]) s++;
    function line(label, u) {
      return el('div', { class: 'diff-line' }, [
        el('span', { class: 'diff-label' }, [label]),
        el('code', {}, [u.slice(0, p), el('mark', {}, [u.slice(p, u.length - s) || '\u2205']), u.slice(u.length - s)]),
      ]);
    }
    return el('div', { class: 'diff', 'data-diff': '' }, [
      el('p', {}, [t('diff_title')]),
      line(t('diff_signed'), signed),
      line(t('diff_page'), page),
    ]);
  }

  function findingBox(f, good) {
    var words = table().findings[f.code] || STRINGS.en.findings[f.code] || [f.code, ''];
    var body = fill(words[1], { detail: f.detail || '' });
    var kids = [el('h3', {}, [words[0]]), el('p', {}, [body])];
    if (f.detail && words[1].indexOf('{detail}') < 0) kids.push(el('p', { class: 'detail' }, [t('detail', { detail: f.detail })]));
    if (f.at) kids.push(el('p', { class: 'detail' }, [t('at', { at: f.at })]));
    return el('div', { class: good ? 'finding finding-ok' : 'finding', 'data-code': f.code }, kids);
  }

  function renderCheck(box, status, r) {
    if (status !== 200) return show(box, [errorBox(status, r)]);
    var nodes = [el('p', { class: 'verdict ' + (r.ok ? 'good' : 'bad') }, [r.ok ? t('result_ok') : t('result_bad')])];
    if (r.url) nodes.push(el('p', {}, [t('should_sign') + ': ', el('code', {}, [r.url])]));
    if (r.signed_url && r.signed_url !== r.url) {
      nodes.push(el('p', {}, [t('was_signed') + ': ', el('code', {}, [r.signed_url])]));
      nodes.push(diffLines(r.signed_url, r.url));
    }
    (r.findings || []).forEach(function (f) {
      nodes.push(findingBox(f, f.code === 'signature_ok'));
    });
    show(box, nodes);
  }

  function renderInfo(box, status, d) {
    if (status !== 200) return show(box, [errorBox(status, d)]);
    var left = Math.max(0, Math.floor((d.ticket.expires_at - Date.now() / 1000) / 60));
    var ticket = t(d.ticket.prefix ? 'info_ticket_text' : 'info_ticket_text_short', {
      length: d.ticket.length,
      prefix: d.ticket.prefix,
      fetched: ago(d.ticket.fetched_at),
      left: left,
    });
    var rows = [
      ['info_url', d.url],
      ['info_appid', d.appId],
      ['info_timestamp', String(d.timestamp) + ' (' + new Date(d.timestamp * 1000).toISOString() + ')'],
      ['info_nonce', d.nonceStr],
      ['info_signature', d.signature],
      ['info_canonical', d.canonical],
      ['info_ticket', ticket],
    ];
    var dl = el('dl', { class: 'info' }, []);
    rows.forEach(function (r) {
      dl.appendChild(el('dt', {}, [t(r[0])]));
      dl.appendChild(el('dd', { 'data-field': r[0] }, [el('code', {}, [r[1]])]));
    });
    var nodes = [dl];
    if (d.findings && d.findings.length) {
      nodes.push(el('h3', {}, [t('notes_title')]));
      var notes = table().notes;
      d.findings.forEach(function (f) {
        nodes.push(el('p', { class: 'note', 'data-code': f.code }, [fill(notes[f.code] || STRINGS.en.notes[f.code] || f.code, { detail: f.detail || '' })]));
      });
    }
    show(box, nodes);
  }

  var FIELDS = ['appId', 'timestamp', 'nonceStr', 'signature'];

  // readPaste finds wx.config's fields in pasted JSON or JavaScript (quotes optional, single or double).
  function readPaste(text) {
    var found = {};
    try {
      var j = JSON.parse(text);
      if (j && typeof j === 'object') {
        FIELDS.concat(['url']).forEach(function (k) {
          if (j[k] !== undefined && j[k] !== null) found[k] = String(j[k]);
        });
        return found;
      }
    } catch (e) {
      // not JSON: read it as JavaScript below
    }
    FIELDS.forEach(function (k) {
      var m = new RegExp('["\']?' + k + '["\']?\\s*:\\s*(?:"([^"]*)"|\'([^\']*)\'|(\\d+))').exec(text);
      if (m) found[k] = m[1] !== undefined ? m[1] : m[2] !== undefined ? m[2] : m[3];
    });
    return found;
  }

  function debugPage() {
    var query = new URLSearchParams(location.search);
    var frag = new URLSearchParams(location.hash.slice(1));
    // wxsign.js links here with ?url= the URL it signed and, in the fragment, the page and the config.
    var page = frag.get('page') || query.get('url') || '';
    var signed = frag.get('page') ? query.get('url') || '' : frag.get('signed_url') || '';
    $('info-url').value = page;
    $('page_url').value = page;
    $('signed_url').value = signed;
    FIELDS.forEach(function (k) {
      if (frag.get(k)) $(k).value = frag.get(k);
    });

    var infoBox = $('info-out');
    var checkBox = $('check-out');
    var lastInfo = null;
    var lastCheck = null;
    rerender.push(function () {
      if (lastInfo) renderInfo(infoBox, lastInfo[0], lastInfo[1]);
      if (lastCheck) renderCheck(checkBox, lastCheck[0], lastCheck[1]);
    });

    async function info(url) {
      show(infoBox, [el('p', { class: 'muted' }, [t('loading')])]);
      lastInfo = null;
      try {
        var q = '/debug/info?url=' + encodeURIComponent(url);
        if (query.get('appid')) q += '&appid=' + encodeURIComponent(query.get('appid'));
        lastInfo = await fetchJSON(q);
        renderInfo(infoBox, lastInfo[0], lastInfo[1]);
      } catch (e) {
        show(infoBox, [networkError(e)]);
      }
    }

    async function check() {
      show(checkBox, [el('p', { class: 'muted' }, [t('checking')])]);
      lastCheck = null;
      var ts = $('timestamp').value.trim();
      var req = {
        url: $('page_url').value.trim(),
        signed_url: $('signed_url').value.trim(),
        appId: $('appId').value.trim(),
        timestamp: /^\d+$/.test(ts) ? Number(ts) : ts,
        nonceStr: $('nonceStr').value.trim(),
        signature: $('signature').value.trim(),
      };
      try {
        lastCheck = await fetchJSON('/debug/check', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(req),
        });
        renderCheck(checkBox, lastCheck[0], lastCheck[1]);
      } catch (e) {
        show(checkBox, [networkError(e)]);
      }
    }

    $('info-form').addEventListener('submit', function (e) {
      e.preventDefault();
      info($('info-url').value.trim());
    });
    $('check-form').addEventListener('submit', function (e) {
      e.preventDefault();
      check();
    });
    $('paste').addEventListener('input', function () {
      var found = readPaste($('paste').value);
      var names = Object.keys(found).filter(function (k) {
        return k !== 'url';
      });
      names.forEach(function (k) {
        $(k).value = found[k];
      });
      if (found.url && !$('signed_url').value) $('signed_url').value = found.url;
      var msg = $('paste-msg');
      msg.textContent = names.length ? t('paste_filled', { fields: names.join(', ') }) : $('paste').value.trim() ? t('paste_nothing') : '';
    });

    if (page) info(page);
    // Followed wxsign.js's link: everything is filled in, so check at once.
    if (page && FIELDS.every(function (k) { return $(k).value; })) check();
  }

  // ---- the landing page -------------------------------------------------

  function indexPage() {
    var box = $('status');
    var usage = $('usage');
    if (usage) {
      usage.textContent =
        '<script src="https://res.wx.qq.com/open/js/jweixin-1.6.0.js"></script>\n' +
        '<script src="' + location.origin + '/wxsign.js"></script>\n' +
        "<script>\n  wxsign.ready({jsApiList: ['updateAppMessageShareData']})\n    .then(() => wx.updateAppMessageShareData({ /* ... */ }));\n</script>";
    }
    var last = null;
    function render() {
      if (!last) return;
      if (last.error) return show(box, [el('p', { class: 'error' }, [t('status_unreachable', { msg: last.error })])]);
      var h = last.health;
      var lines = [];
      var problems = h.problems || [];
      lines.push(problems.length
        ? el('p', { class: 'bad', 'data-status': 'config' }, [t('status_not_configured', { problems: problems.join('; ') })])
        : el('p', { class: 'good', 'data-status': 'config' }, [t('status_configured', { appid: (h.apps || []).join(', ') })]));
      // /healthz lists every credential; the page speaks of the first
      // account's ticket and of the latest error of any.
      var creds = h.credentials || [];
      var tk = creds.filter(function (c) { return c.kind === 'jsapi_ticket' && c.owner === (h.apps || [])[0]; })[0];
      lines.push(tk && tk.usable
        ? el('p', { class: 'good', 'data-status': 'ticket' }, [t('status_ticket_ok', { n: Math.floor(tk.expires_in_s / 60) })])
        : el('p', { class: 'bad', 'data-status': 'ticket' }, [t('status_ticket_none')]));
      var r = creds.filter(function (c) { return c.last_error; })
        .sort(function (a, b) { return b.last_error_at - a.last_error_at; })[0];
      lines.push(r && r.last_error
        ? el('p', { class: 'bad', 'data-status': 'error' }, [t('status_last_error', {
          code: r.last_errcode ? ' (errcode ' + r.last_errcode + ')' : '',
          when: r.last_error_at ? ago(r.last_error_at) : '',
          msg: r.last_error,
        })])
        : el('p', { class: 'muted', 'data-status': 'error' }, [t('status_no_error')]));
      (h.warnings || []).forEach(function (w) {
        lines.push(el('p', { class: 'muted' }, [t('status_warning', { msg: w })]));
      });
      show(box, lines);
    }
    rerender.push(render);
    fetchJSON('/healthz').then(function (x) {
      last = { health: x[1] };
      render();
    }, function (e) {
      last = { error: e.message };
      render();
    });
  }

  // ---- start ------------------------------------------------------------

  function start() {
    document.querySelectorAll('[data-lang]').forEach(function (b) {
      b.addEventListener('click', function () {
        setLanguage(b.getAttribute('data-lang'));
      });
    });
    applyLanguage();
    var which = document.body.getAttribute('data-page');
    if (which === 'debug') debugPage();
    if (which === 'index') indexPage();
  }

  // For the browser tests and the curious: the string table.
  window.wxsignDebug = { strings: STRINGS };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
