import os

import requests

url = "https://api.aimlapi.com/v1/stt/create"
headers = {"Authorization": "Bearer " + (os.environ.get("AIMLAPI_API_KEY") or "<YOUR_AIMLAPI_KEY>")}
# Save voice.wav next to this script and run it from that folder.
data = [
    ("model", "#g1_whisper-base"),
    ("language", "en"),
]
files = [
    ("audio", ("voice.wav", open("voice.wav", "rb"), "audio/wav")),
]

resp = requests.post(url, headers=headers, data=data, files=files)
if not resp.ok:
    print(resp.status_code)
print(resp.text)
