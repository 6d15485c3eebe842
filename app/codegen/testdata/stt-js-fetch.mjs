// Node 18+; save as an .mjs file for top-level await.
// Save voice.wav next to this script and run it from that folder.
import { readFile } from "node:fs/promises";

const form = new FormData();
form.append("model", "#g1_whisper-base");
form.append("language", "en");
form.append("audio", new Blob([await readFile("voice.wav")], { type: "audio/wav" }), "voice.wav");

const resp = await fetch("https://api.aimlapi.com/v1/stt/create", {
  method: "POST",
  headers: { Authorization: `Bearer ${process.env.AIMLAPI_API_KEY || "<YOUR_AIMLAPI_KEY>"}` },
  body: form,
});
if (!resp.ok) console.error(resp.status);
console.log(await resp.text());
