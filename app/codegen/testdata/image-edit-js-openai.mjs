// npm install openai; save as an .mjs file for top-level await.
import fs from "node:fs";
import OpenAI, { toFile } from "openai";

const client = new OpenAI({
  baseURL: "https://api.aimlapi.com/v1",
  apiKey: process.env.AIMLAPI_API_KEY || "<YOUR_AIMLAPI_KEY>",
});
// Save cat.png, it's a;b,c "q".png and masks_mask.png next to this script and run it from that folder.
const params = "{\"model\":\"openai/gpt-image-1\",\"prompt\":\"Put the \\\"cat\\\" in a hat: it's $(date) ${HOME} `id` C:\\\\\\\\dir ''' @x;type=y\\nline 2 日本語 \\u2028\",\"n\":2,\"size\":\"1024x1024\"}";

// The SDK re-encodes the parameters: same JSON values, not necessarily the same bytes.
// FormData sends the line breaks in text values as CRLF (\r\n), as browsers do.
const response = await client.images.edit({
  ...JSON.parse(params),
  image: [
    await toFile(fs.createReadStream("cat.png"), "cat.png", { type: "image/png" }),
    await toFile(fs.createReadStream("it's a;b,c \"q\".png"), "it's a;b,c \"q\".png", { type: "image/png" }),
  ],
  mask: await toFile(fs.createReadStream("masks_mask.png"), "masks/mask.png", { type: "image/png" }),
});
for (const image of response.data) console.log(image.url ?? `${image.b64_json.length} base64 characters`);
