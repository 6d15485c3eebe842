// Package embedded holds the default model catalogue compiled into the server,
// so the playground works with no configuration.
//
// models.json lists AI/ML API models: text models, image and embedding models, and some models
// of kinds the playground cannot run yet (video, speech, music, OCR), listed without a schema so
// they open and say so. Each entry has its id, display name, developer, context length, endpoint,
// request schema and, where the docs say so, aliases and deprecation. schemas/ holds OpenAPI 3.0
// request documents: per-model ones taken from the AI/ML API model pages (gryphe/mythomax-l2-13b,
// anthracite-org/magnum-v4-72b) and the shared OpenAI-compatible chat.json, images.json and
// embeddings.json for the rest. The data is written from the project's seed documents.
package embedded

import "embed"

// FS holds models.json and the OpenAPI request documents under schemas/.
//
//go:embed models.json schemas/*.json
var FS embed.FS
