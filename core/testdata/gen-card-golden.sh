#!/usr/bin/env bash
# Writes card-golden.json: card signature vectors (JS-SDK appendix 4: SHA1 of
# the values sorted as byte strings and joined with nothing) whose expected
# signatures come from sort and sha1sum (coreutils), never from wxsign's
# own code. Run it after editing the cases below; the tests read the JSON.
set -euo pipefail
cd "$(dirname "$0")"
# name | values, separated by "," (an empty value stays empty)
cases=(
  "wechat-published-addcard|ojZ8YtyVyr30HheH3CM73y7h4jJE,1404896688,pjZ8Yt1XGILfi-FUsewpnnolGgZk,1434008071,,123"
  "choosecard|ojZ8YtyVyr30HheH3CM73y7h4jJE,wx0123456789abcdef,shop01,1404896688,Wm3WZYTPz0wzccnW,pjZ8Yt1XGILfi-FUsewpnnolGgZk,GROUPON"
  "upper-before-lower|b,B,a,A,_,0"
  "all-empty|,,"
)
{
  echo '['
  for i in "${!cases[@]}"; do
    IFS='|' read -r name values <<<"${cases[$i]}"
    sig=$(printf '%s' "$values" | tr ',' '\n' | LC_ALL=C sort | tr -d '\n' | sha1sum | cut -d' ' -f1)
    json=$(printf '%s' "$values" | awk -F, '{for (i = 1; i <= NF; i++) printf "%s\"%s\"", (i > 1 ? ", " : ""), $i}')
    sep=','; [ "$i" -eq $((${#cases[@]} - 1)) ] && sep=''
    printf '  {"name": "%s", "values": [%s], "signature": "%s"}%s\n' "$name" "$json" "$sig" "$sep"
  done
  echo ']'
} > card-golden.json
