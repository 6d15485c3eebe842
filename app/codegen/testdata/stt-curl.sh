# Save voice.wav next to this script and run it from that folder.
curl -sS 'https://api.aimlapi.com/v1/stt/create' \
  -H 'Authorization: Bearer <YOUR_AIMLAPI_KEY>' \
  --form-string 'model=#g1_whisper-base' \
  --form-string 'language=en' \
  -F 'audio=@voice.wav;type=audio/wav'
