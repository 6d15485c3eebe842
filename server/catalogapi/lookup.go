package catalogapi

import (
	"strings"

	"playground/app/catalog"
	"playground/server/httperr"
)

// Lookup is the one model lookup of every route (model calls, forms, the embed's routes and the
// prerendered pages): the catalogue entry that serves model at the named provider, or at the first
// provider (in configuration order) that offers it or an alias of it. An unknown provider is 404
// unknown_provider naming it, wherever it is asked for; an unknown model is 404
// model_not_at_provider or model_not_found.
func Lookup(cat *catalog.Catalog, model, provider string) (*catalog.Entry, error) {
	if provider != "" && !cat.HasProvider(provider) {
		return nil, UnknownProvider(provider, cat.Providers())
	}
	entry, ok := cat.Lookup(model, provider)
	switch {
	case ok:
		return entry, nil
	case provider != "":
		return nil, httperr.Errorf(httperr.EModelNotAtProvider,
			"Provider %s does not offer model %q. Pick another provider for it, or leave the provider out to use the first one that offers it.", provider, model)
	default:
		return nil, httperr.Errorf(httperr.EModelNotFound,
			"Model %q is not offered by any configured provider.", model)
	}
}

// UnknownProvider is the refusal of a provider name no provider has; providers are the
// configured ones.
func UnknownProvider(name string, providers []string) *httperr.Error {
	return httperr.Errorf(httperr.EUnknownProvider,
		"Unknown provider %q: no provider of that name is configured; the providers are %s.", name, strings.Join(providers, ", "))
}

// NoOperation is the refusal of an operation the model has not.
func NoOperation(e *catalog.Entry, op string) *httperr.Error {
	return httperr.Errorf(httperr.EOperationNotFound,
		"Model %s has no operation %s; it is called on %s.", e.Model.ID, op, strings.Join(OperationPaths(e), " or "))
}

// OperationPaths lists the paths the entry's model is called on.
func OperationPaths(e *catalog.Entry) []string {
	var out []string
	if e.Operation != nil {
		out = append(out, e.Operation.Path)
	}
	for _, op := range e.Others {
		out = append(out, op.Path)
	}
	return out
}
