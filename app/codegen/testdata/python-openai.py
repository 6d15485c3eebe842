import json
import os

from openai import OpenAI

client = OpenAI(
    base_url="https://api.aimlapi.com/v1",
    api_key=(os.environ.get("AIMLAPI_API_KEY") or "<YOUR_AIMLAPI_KEY>"),
)
body = r'''{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say \"hi\" in 日本語"}],"temperature":0.7}'''

# The SDK re-encodes the parameters: same JSON values, not necessarily the same bytes.
response = client.chat.completions.create(**json.loads(body))
print(response.choices[0].message.content)
