package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// themeKey is where the theme choice is saved in localStorage (web/theme.js reads it before the
// first paint).
const themeKey = "playground-theme"

// themes are the choices of the toggle, in the order it cycles through them: "" follows the system.
var themes = []string{"", "light", "dark"}

// themeToggle switches between the system's theme, light and dark. The choice is saved in the
// browser and applied as <html data-theme>.
type themeToggle struct {
	app.Compo

	theme string
}

// OnMount reads the theme applied by web/theme.js.
func (c *themeToggle) OnMount(ctx app.Context) {
	c.theme = app.Window().Get("document").Get("documentElement").Call("getAttribute", "data-theme").String()
	if c.theme != "light" && c.theme != "dark" {
		c.theme = ""
	}
}

// Render draws the toggle.
func (c *themeToggle) Render() app.UI {
	label := map[string]string{"": "Theme: system", "light": "Theme: light", "dark": "Theme: dark"}[c.theme]
	return app.Button().Class("btn btn-small theme-toggle").DataSet("testid", "theme").Text(label).
		Aria("label", label+" (change)").Title("Follow the system, or force light or dark").
		OnClick(func(ctx app.Context, e app.Event) {
			for i, t := range themes {
				if t == c.theme {
					c.theme = themes[(i+1)%len(themes)]
					break
				}
			}
			root := app.Window().Get("document").Get("documentElement")
			if c.theme == "" {
				root.Call("removeAttribute", "data-theme")
				storeDel(themeKey)
			} else {
				root.Call("setAttribute", "data-theme", c.theme)
				_ = storeSet(themeKey, c.theme) // unsaved, it still applies to this page
			}
		})
}
