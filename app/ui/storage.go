package ui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The browser's localStorage, as raw strings. A browser may refuse storage (private modes, a
// sandboxed frame, a full quota), which throws in JavaScript: every call here turns that into an
// error or a miss instead of a panic.

// storeGet reads key; ok is false when it is absent or storage cannot be read.
func storeGet(key string) (v string, ok bool) {
	if !app.IsClient {
		return "", false
	}
	defer func() {
		if recover() != nil {
			v, ok = "", false
		}
	}()
	item := app.Window().Get("localStorage").Call("getItem", key)
	if item.IsNull() || item.IsUndefined() {
		return "", false
	}
	return item.String(), true
}

// storeSet writes key.
func storeSet(key, v string) (err error) {
	if !app.IsClient {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the browser refused to save %s (%v)", key, r)
		}
	}()
	app.Window().Get("localStorage").Call("setItem", key, v)
	return nil
}

// storeDel removes key.
func storeDel(key string) {
	if !app.IsClient {
		return
	}
	defer func() { _ = recover() }()
	app.Window().Get("localStorage").Call("removeItem", key)
}
