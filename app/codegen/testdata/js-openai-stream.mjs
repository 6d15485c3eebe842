// npm install openai; save as an .mjs file for top-level await.
import OpenAI from "openai";

const client = new OpenAI({
  baseURL: "https://api.aimlapi.com/v1",
  apiKey: process.env.AIMLAPI_API_KEY || "<YOUR_AIMLAPI_KEY>",
});
const body = String.raw`{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say \"hi\" in 日本語"}],"temperature":0.7,"stream":true}`;

// The SDK re-encodes the parameters: same JSON values, not necessarily the same bytes.
const response = await client.chat.completions.create(JSON.parse(body));
for await (const chunk of response) {
  process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
}
console.log();
