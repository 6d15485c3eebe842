import os

import requests

url = "https://api.aimlapi.com/v1/images/edits"
headers = {"Authorization": "Bearer " + (os.environ.get("AIMLAPI_API_KEY") or "<YOUR_AIMLAPI_KEY>")}
# Save cat.png, it's a;b,c "q".png and masks_mask.png next to this script and run it from that folder.
data = [
    ("model", "openai/gpt-image-1"),
    ("prompt", "Put the \"cat\" in a hat: it's $(date) ${HOME} `id` C:\\\\dir ''' @x;type=y\nline 2 日本語 \u2028"),
    ("n", "2"),
    ("size", "1024x1024"),
]
files = [
    ("image", ("cat.png", open("cat.png", "rb"), "image/png")),
    ("image", ("it's a;b,c \"q\".png", open("it's a;b,c \"q\".png", "rb"), "image/png")),
    ("mask", ("masks/mask.png", open("masks_mask.png", "rb"), "image/png")),
]

resp = requests.post(url, headers=headers, data=data, files=files)
if not resp.ok:
    print(resp.status_code)
print(resp.text)
