//go:build !(js && wasm)

package fetch

import "net/http"

// Do sends req with http.DefaultClient.
func Do(req *http.Request) (*http.Response, error) { return http.DefaultClient.Do(req) }
