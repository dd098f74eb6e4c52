#!/usr/bin/env bash
# Writes vectors.json: message-encryption vectors whose Encrypt values come
# from openssl (AES-256-CBC, no padding of its own) and whose msg_signatures
# come from sort and sha1sum, never from wxsign's code. The plaintext
# (random, 4-byte big-endian length, message, AppID) and its PKCS#7 padding
# to 32 bytes are built here with printf and xxd. Run it after editing the
# cases below; the Go tests read the JSON and never run openssl.
set -euo pipefail
cd "$(dirname "$0")"
# name | EncodingAESKey | random (32 hex digits) | AppID | token | timestamp | nonce | message
cases=(
  "verify-ticket|abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG|000102030405060708090a0b0c0d0e0f|wx0123456789abcdef|platformtoken|1700000000|1847361|<xml><AppId><![CDATA[wx0123456789abcdef]]></AppId><CreateTime>1700000000</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@abc-DEF_123]]></ComponentVerifyTicket></xml>"
  "authorized|kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR|ffeeddccbbaa99887766554433221100|wxfedcba9876543210|T0k3n|1413192760|nonce-42|<xml><AppId>wxfedcba9876543210</AppId><CreateTime>1413192760</CreateTime><InfoType>authorized</InfoType><AuthorizerAppid>wx1111111111111111</AuthorizerAppid><AuthorizationCode>queryauthcode@@@xyz</AuthorizationCode><AuthorizationCodeExpiredTime>1413196360</AuthorizationCodeExpiredTime><PreAuthCode>preauthcode@@@xyz</PreAuthCode></xml>"
  "unauthorized|0123456789abcdefghijklmnopqrstuvwxyzABCDEFG|5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a|wx0123456789abcdef|platformtoken|1700000600|9|<xml><AppId>wx0123456789abcdef</AppId><CreateTime>1700000600</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wx1111111111111111</AuthorizerAppid></xml>"
  "chinese|abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG|61616161626262626363636364646464|wxb11529c136998cb6|pamtest|1409304348|xxxxxx|我是中文abcd123"
  "empty-message|abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG|00000000000000000000000000000000|wx0123456789abcdef|t|0|n|"
  # 16 + 4 + 26 + 18 = 64 bytes: a whole extra block of 32 bytes of value 32.
  "full-pad-block|abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG|0f0e0d0c0b0a09080706050403020100|wx0123456789abcdef|t|1|n|abcdefghijklmnopqrstuvwxyz"
  # 16 + 4 + 9 + 2 = 31 bytes: one byte of padding.
  "one-byte-pad|abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG|0f0e0d0c0b0a09080706050403020100|wx|t|1|n|123456789"
)
{
  echo '['
  for i in "${!cases[@]}"; do
    IFS='|' read -r name aeskey random appid token ts nonce msg <<<"${cases[$i]}"
    key=$(printf '%s=' "$aeskey" | base64 -d | xxd -p -c 64)
    [ "${#key}" -eq 64 ] || { echo "$name: key is not 32 bytes" >&2; exit 1; }
    iv=${key:0:32}
    mlen=$(printf '%s' "$msg" | wc -c)
    alen=$(printf '%s' "$appid" | wc -c)
    pad=$((32 - (16 + 4 + mlen + alen) % 32))
    padhex=$(printf '%02x' "$pad")
    enc=$(
      {
        printf '%s' "$random" | xxd -r -p
        printf '%08x' "$mlen" | xxd -r -p
        printf '%s%s' "$msg" "$appid"
        for _ in $(seq "$pad"); do printf '%s' "$padhex"; done | xxd -r -p
      } | openssl enc -aes-256-cbc -K "$key" -iv "$iv" -nopad | base64 -w0
    )
    sig=$(printf '%s\n%s\n%s\n%s\n' "$token" "$ts" "$nonce" "$enc" | LC_ALL=C sort | tr -d '\n' | sha1sum | cut -d' ' -f1)
    msg64=$(printf '%s' "$msg" | base64 -w0)
    sep=','; [ "$i" -eq $((${#cases[@]} - 1)) ] && sep=''
    printf '  {"name": "%s", "encoding_aes_key": "%s", "random_hex": "%s", "app_id": "%s", "token": "%s", "timestamp": "%s", "nonce": "%s", "pad": %d, "message_base64": "%s", "encrypt": "%s", "msg_signature": "%s"}%s\n' \
      "$name" "$aeskey" "$random" "$appid" "$token" "$ts" "$nonce" "$pad" "$msg64" "$enc" "$sig" "$sep"
  done
  echo ']'
} > vectors.json
