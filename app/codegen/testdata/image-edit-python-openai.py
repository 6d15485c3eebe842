import json
import os

from openai import OpenAI

client = OpenAI(
    base_url="https://api.aimlapi.com/v1",
    api_key=(os.environ.get("AIMLAPI_API_KEY") or "<YOUR_AIMLAPI_KEY>"),
)
# Save cat.png, it's a;b,c "q".png and masks_mask.png next to this script and run it from that folder.
params = "{\"model\":\"openai/gpt-image-1\",\"prompt\":\"Put the \\\"cat\\\" in a hat: it's $(date) ${HOME} `id` C:\\\\\\\\dir ''' @x;type=y\\nline 2 日本語 \\u2028\",\"n\":2,\"size\":\"1024x1024\"}"

# The SDK re-encodes the parameters: same JSON values, not necessarily the same bytes.
response = client.images.edit(
    image=[
        ("cat.png", open("cat.png", "rb"), "image/png"),
        ("it's a;b,c \"q\".png", open("it's a;b,c \"q\".png", "rb"), "image/png"),
    ],
    mask=("masks/mask.png", open("masks_mask.png", "rb"), "image/png"),
    **json.loads(params),
)
for image in response.data:
    print(image.url or f"{len(image.b64_json)} base64 characters")
