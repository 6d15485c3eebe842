import os

import requests

url = "https://api.aimlapi.com/v1/chat/completions"
headers = {
    "Authorization": "Bearer " + (os.environ.get("AIMLAPI_API_KEY") or "<YOUR_AIMLAPI_KEY>"),
    "Content-Type": "application/json",
}
# The body is sent byte-for-byte as the playground sends it.
body = r'''{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say \"hi\" in 日本語"}],"temperature":0.7}'''

resp = requests.post(url, headers=headers, data=body.encode())
if not resp.ok:
    print(resp.status_code)
print(resp.text)
