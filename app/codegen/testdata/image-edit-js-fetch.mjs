// Node 18+; save as an .mjs file for top-level await.
// Save cat.png, it's a;b,c "q".png and masks_mask.png next to this script and run it from that folder.
import { readFile } from "node:fs/promises";

// FormData sends the line breaks in text values as CRLF (\r\n), as browsers do.
const form = new FormData();
form.append("model", "openai/gpt-image-1");
form.append("prompt", "Put the \"cat\" in a hat: it's $(date) ${HOME} `id` C:\\\\dir ''' @x;type=y\nline 2 日本語 \u2028");
form.append("n", "2");
form.append("size", "1024x1024");
form.append("image", new Blob([await readFile("cat.png")], { type: "image/png" }), "cat.png");
form.append("image", new Blob([await readFile("it's a;b,c \"q\".png")], { type: "image/png" }), "it's a;b,c \"q\".png");
form.append("mask", new Blob([await readFile("masks_mask.png")], { type: "image/png" }), "masks/mask.png");

const resp = await fetch("https://api.aimlapi.com/v1/images/edits", {
  method: "POST",
  headers: { Authorization: `Bearer ${process.env.AIMLAPI_API_KEY || "<YOUR_AIMLAPI_KEY>"}` },
  body: form,
});
if (!resp.ok) console.error(resp.status);
console.log(await resp.text());
