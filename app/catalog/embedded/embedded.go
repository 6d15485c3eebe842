// Package embedded holds the default model catalogue compiled into the server,
// so the playground works with no configuration.
//
// models.json lists the AI/ML API text models (id, display name, developer,
// context length, endpoint, request schema and, where the docs say so,
// aliases and deprecation). schemas/ holds OpenAPI 3.0 documents describing
// the request body of POST /v1/chat/completions: per-model documents taken
// from the AI/ML API model pages (gryphe/mythomax-l2-13b,
// anthracite-org/magnum-v4-72b) and a shared OpenAI-compatible chat.json for
// the rest. The data is written from the project's seed documents.
package embedded

import "embed"

// FS holds models.json and the OpenAPI request documents under schemas/.
//
//go:embed models.json schemas/*.json
var FS embed.FS
