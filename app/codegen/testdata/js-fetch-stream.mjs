// Node 18+; save as an .mjs file for top-level await.
// The body is sent byte-for-byte as the playground sends it.
const body = String.raw`{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say \"hi\" in 日本語"}],"temperature":0.7,"stream":true}`;

const resp = await fetch("https://api.aimlapi.com/v1/chat/completions", {
  method: "POST",
  headers: {
    Authorization: `Bearer ${process.env.AIMLAPI_API_KEY || "<YOUR_AIMLAPI_KEY>"}`,
    "Content-Type": "application/json",
  },
  body,
});
if (!resp.ok) console.error(resp.status, await resp.text());
const decoder = new TextDecoder();
for await (const part of resp.body) {
  process.stdout.write(decoder.decode(part, { stream: true }));
}
