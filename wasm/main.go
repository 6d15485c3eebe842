// Command wasm is the playground's web app, compiled with GOOS=js GOARCH=wasm into web/app.wasm. It
// reads the catalogue from the playground server's same-origin API and runs models through the
// server's proxy; it never holds an API key.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/chat"
	"playground/app/embed"
	"playground/app/ui"
)

func main() {
	ui.Register(ui.Deps{
		Backend: ui.HTTPBackend{BaseURL: "/api"},
		Chat:    &chat.Client{BaseURL: "/api"},
		// The embeddable widget calls the embed routes: its models and limits only.
		EmbedBackend: ui.HTTPBackend{BaseURL: embed.APIBase},
		EmbedChat:    &chat.Client{BaseURL: embed.APIBase},
	})
	app.RunWhenOnBrowser()
}
