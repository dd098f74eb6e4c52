#!/usr/bin/env bash
# Writes golden.json: signing vectors whose expected signatures come from
# sha1sum (coreutils), never from wxsign's own code. Run it after editing the
# cases below; the tests read golden.json only.
set -euo pipefail
cd "$(dirname "$0")"
T='sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg'
long="https://h.example.com/search?q=$(printf 'a%.0s' $(seq 1 3000))&page=2"
# name | ticket | noncestr | timestamp | url as the page sends it | url to sign
cases=(
  "wechat-published-example|$T|Wm3WZYTPz0wzccnW|1414587457|http://mp.weixin.qq.com?params=value|http://mp.weixin.qq.com?params=value"
  "fragment-stripped|$T|Wm3WZYTPz0wzccnW|1414587457|https://h.example.com/a/b?x=1#/route?y=2|https://h.example.com/a/b?x=1"
  "empty-fragment|$T|Wm3WZYTPz0wzccnW|1414587457|https://h.example.com/#|https://h.example.com/"
  "percent-encoded-utf8|$T|abcDEF0123456789|1700000000|https://h.example.com/%E4%B8%AD%E6%96%87?q=%E5%BE%AE%E4%BF%A1|https://h.example.com/%E4%B8%AD%E6%96%87?q=%E5%BE%AE%E4%BF%A1"
  "lowercase-escapes-kept|$T|abcDEF0123456789|1700000000|https://h.example.com/?q=%e4%b8%ad|https://h.example.com/?q=%e4%b8%ad"
  "plus-and-pct20|$T|abcDEF0123456789|1700000000|https://h.example.com/p?a=b+c&d=e%20f|https://h.example.com/p?a=b+c&d=e%20f"
  "amp-and-eq-in-values|$T|abcDEF0123456789|1700000000|https://h.example.com/p?next=%2Fx%3Fa%3D1%26b%3D2&k==v|https://h.example.com/p?next=%2Fx%3Fa%3D1%26b%3D2&k==v"
  "wechat-share-params|$T|abcDEF0123456789|1700000000|https://h.example.com/article?id=7&from=singlemessage&isappinstalled=0|https://h.example.com/article?id=7&from=singlemessage&isappinstalled=0"
  "port|$T|abcDEF0123456789|1700000000|http://h.example.com:8080/x?y=1|http://h.example.com:8080/x?y=1"
  "idn-punycode-host|$T|abcDEF0123456789|1700000000|https://xn--fiqs8s.xn--0zwm56d/index.html|https://xn--fiqs8s.xn--0zwm56d/index.html"
  "uppercase-scheme-and-host-kept|$T|abcDEF0123456789|1700000000|HTTPS://H.Example.COM/Path|HTTPS://H.Example.COM/Path"
  "uuid-nonce|$T|0b8c6a4e-3f1d-4c2a-9e7b-5d6f8a9b0c1d|1700000000|https://h.example.com/|https://h.example.com/"
  "ipv6-host|$T|abcDEF0123456789|1700000000|http://[::1]:8787/p|http://[::1]:8787/p"
  "long-query|$T|abcDEF0123456789|1700000000|$long#frag|$long"
  "no-path|$T|abcDEF0123456789|0|https://h.example.com|https://h.example.com"
)
{
  echo '['
  for i in "${!cases[@]}"; do
    IFS='|' read -r name ticket nonce ts url signed <<<"${cases[$i]}"
    sig=$(printf '%s' "jsapi_ticket=$ticket&noncestr=$nonce&timestamp=$ts&url=$signed" | sha1sum | cut -d' ' -f1)
    sep=','; [ "$i" -eq $((${#cases[@]} - 1)) ] && sep=''
    printf '  {"name": "%s", "ticket": "%s", "noncestr": "%s", "timestamp": %s, "url": "%s", "signed_url": "%s", "signature": "%s"}%s\n' \
      "$name" "$ticket" "$nonce" "$ts" "$url" "$signed" "$sig" "$sep"
  done
  echo ']'
} > golden.json
