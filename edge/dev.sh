#!/usr/bin/env bash
# make dev: wrangler dev on :8787 with the cron test route. Without WeChat
# credentials in .dev.vars, the project's WeChat stand-in plays WeChat.
set -euo pipefail
cd "$(dirname "$0")/.."

args=(dev --ip 127.0.0.1 --port "${PORT:-8787}" --test-scheduled)
if grep -qs '^WECHAT_APPSECRET=.' .dev.vars; then
  echo "wxsign: using the credentials in .dev.vars against ${WECHAT_API_BASE:-https://api.weixin.qq.com}"
else
  mkdir -p build/tools
  go build -o build/tools/wechat-standin ./cmd/wechat-standin
  appid=wxdev0123456789ab
  secret=dev-secret-not-for-production
  # A third-party platform too, whose one authorizer can authorize it
  # (/component/authorize); the stand-in pushes its verify ticket every 10
  # minutes, as WeChat does.
  component=wxdevcomponent0001
  component_secret=dev-component-secret
  component_token=dev-component-token
  component_key=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
  build/tools/wechat-standin -addr 127.0.0.1:0 -appid "$appid" -secret "$secret" \
    -component-appid "$component" -component-secret "$component_secret" -component-token "$component_token" \
    -component-aes-key "$component_key" -component-event-url "http://127.0.0.1:${PORT:-8787}/component/event" \
    -component-pushes -authorizers wxdevauthorizer001 > build/standin.log 2>&1 &
  standin=$!
  trap 'kill "$standin" 2>/dev/null || true' EXIT INT TERM
  for _ in $(seq 50); do
    url=$(grep -Eo 'http://127\.0\.0\.1:[0-9]+' build/standin.log | head -n1 || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "wxsign: the WeChat stand-in did not start:"; cat build/standin.log; exit 1; }
  env_file=build/standin.env
  api_key=dev-api-key
  printf 'WECHAT_APPSECRET=%s\nCOMPONENT_APPSECRET=%s\nCOMPONENT_TOKEN=%s\nCOMPONENT_AES_KEY=%s\nAPI_KEY=%s\n' \
    "$secret" "$component_secret" "$component_token" "$component_key" "$api_key" > "$env_file"
  cat <<MSG

  wxsign: no WeChat credentials in .dev.vars, so WeChat is played by the project's stand-in
          at $url (appid $appid). Signatures verify against its ticket:
          curl '$url/__standin/state'
          The API key is $api_key. It plays a third-party platform ($component) too;
          push its verify ticket now:
          curl -X POST -d '{"info_type":"component_verify_ticket"}' '$url/__standin/component/push'
          Put WECHAT_APPID and WECHAT_APPSECRET in .dev.vars to use your real app.

MSG
  args+=(--var "WECHAT_APPID:$appid" --var "WECHAT_API_BASE:$url" --env-file "$env_file"
    --var "COMPONENT_APPID:$component" --var "COMPONENT_LOGIN_BASE:$url" --var "COMPONENT_MOBILE_LOGIN_BASE:$url")
fi
npx wrangler "${args[@]}"
