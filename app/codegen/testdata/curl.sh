# The body is sent byte-for-byte as the playground sends it.
curl -sS 'https://api.aimlapi.com/v1/chat/completions' \
  -H 'Authorization: Bearer <YOUR_AIMLAPI_KEY>' \
  -H 'Content-Type: application/json' \
  --data-binary "$(cat <<'EOF'
{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say \"hi\" in 日本語"}],"temperature":0.7}
EOF
)"
