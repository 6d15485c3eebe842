// Calls the playground's OpenAI-compatible API (argv[2], e.g. http://127.0.0.1:1234/api/v1) with the
// official OpenAI SDK for Node, one call per endpoint kind, and prints what came back as one JSON
// object (sdk_test.go checks it). The API key is a placeholder: the playground adds the provider's.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "sk-placeholder", maxRetries: 0 });
const out = {};
const step = async (name, f) => {
  try {
    out[name] = await f();
  } catch (e) {
    out[name] = { error: String(e && e.message || e) };
  }
};

await step("chat", async () => {
  const r = await client.chat.completions.create({ model: "gryphe/mythomax-l2-13b", messages: [{ role: "user", content: "Hello" }] });
  return { text: r.choices[0].message.content };
});
await step("chatStream", async () => {
  const s = await client.chat.completions.create({ model: "gryphe/mythomax-l2-13b", messages: [{ role: "user", content: "Hello" }], stream: true });
  let text = "", chunks = 0;
  for await (const c of s) { chunks++; text += c.choices[0]?.delta?.content ?? ""; }
  return { text, chunks };
});
await step("images", async () => {
  const r = await client.images.generate({ model: "flux/schnell", prompt: "a red fox", n: 2 });
  return { urls: r.data.map(d => d.url) };
});
await step("embeddings", async () => {
  // The SDK asks for base64 and decodes it itself unless a format is given.
  const r = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a cat", "a dog"], dimensions: 16 });
  return { dims: r.data.map(d => d.embedding.length), tokens: r.usage.prompt_tokens };
});
await step("responses", async () => {
  const r = await client.responses.create({ model: "gpt-4o", input: "Hello" });
  return { text: r.output_text };
});
await step("responsesStream", async () => {
  const s = await client.responses.create({ model: "gpt-4o", input: "Hello", stream: true });
  let text = "", types = new Set();
  for await (const e of s) { types.add(e.type); if (e.type === "response.output_text.delta") text += e.delta; }
  return { text, completed: types.has("response.completed") };
});
process.stdout.write(JSON.stringify(out) + "\n");
