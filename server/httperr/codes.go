package httperr

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The error codes. Each is in the table (see Lookup), which gives its HTTP status and type.
const (
	// Requests the server refuses before routing, and unknown routes.
	ENotFound         = "not_found"
	EMethodNotAllowed = "method_not_allowed"
	EBadRequestTarget = "bad_request_target"
	ECrossOrigin      = "cross_origin"
	EWasmNotBuilt     = "wasm_not_built"

	// Reading and validating a model call.
	EContentType       = "content_type"
	EBodyTooLarge      = "body_too_large"
	EBodyUnreadable    = "body_unreadable"
	EInvalidJSON       = "invalid_json"
	EForbiddenField    = "forbidden_field"
	EModelRequired     = "model_required"
	EInvalidParameters = "invalid_parameters"
	EFileRefused       = "file_refused"
	EInvalidForm       = "invalid_form"

	// Finding the model: one lookup for every route.
	EUnknownProvider    = "unknown_provider"
	EModelNotAtProvider = "model_not_at_provider"
	EModelNotFound      = "model_not_found"
	EModelNotRunnable   = "model_not_runnable"
	EWrongEndpoint      = "wrong_endpoint"
	EOperationNotFound  = "operation_not_found"
	ENoAPIKey           = "no_api_key"

	// Admission: the server's limits and the embed's policy and budget.
	ERateLimited      = "rate_limited"
	ETooManyStreams   = "too_many_streams"
	EServerBusy       = "server_busy"
	EEmbedModelLocked = "embed_model_locked"
	EEmbedKindLocked  = "embed_kind_locked"
	EEmbedMaxTokens   = "embed_max_tokens"
	EEmbedBudgetSpent = "embed_budget_spent"

	// Jobs (video, music, speech to text): who may poll what, and how often.
	EJobNotFound  = "job_not_found"
	EJobExpired   = "job_expired"
	ETooManyJobs  = "too_many_jobs"
	EPollTooOften = "poll_too_often"

	// The upstream call.
	EUpstreamUnauthorized = "upstream_unauthorized"
	EUpstreamForbidden    = "upstream_forbidden"
	EUpstreamRateLimited  = "upstream_rate_limited"
	EUpstreamRedirect     = "upstream_redirect"
	EUpstreamTimeout      = "upstream_timeout"
	EUpstreamUnreachable  = "upstream_unreachable"
	EServerShutdown       = "server_shutdown"

	// A team's server whose stores cannot be reached: the rate-limit store (-redis) under the
	// default fail policy, or the database that holds the budgets.
	ELimitsUnavailable = "limits_unavailable"
	EStoreUnavailable  = "store_unavailable"

	// The media route (/api/media/…).
	EMediaTokenInvalid   = "media_token_invalid"
	EMediaTokenExpired   = "media_token_expired"
	EMediaNotFound       = "media_not_found"
	EMediaRedirect       = "media_redirect"
	EMediaUpstreamError  = "media_upstream_error"
	EMediaTypeRefused    = "media_type_refused"
	EMediaTooLarge       = "media_too_large"
	EMediaAddressRefused = "media_address_refused"
	EMediaTimeout        = "media_timeout"
	EMediaUnreachable    = "media_unreachable"

	// Teams (server/team, whose codes these are): users, teams, tokens, sessions and budgets.
	// ENotFound above is also the domain's "no such record".
	EConflict       = "conflict"
	EInvalid        = "invalid"
	EUnauthorized   = "unauthorized"
	EBudgetExceeded = "budget_exceeded"
	EForbidden      = "forbidden"

	// EInternal is every error that is not the server's own: its user sees only "Internal
	// server error".
	EInternal = "internal"
)

// The OpenAI-style error types.
const (
	TypeInvalidRequest = "invalid_request_error"
	TypePermission     = "permission_error"
	TypeRateLimit      = "rate_limit_error"
	TypeConfiguration  = "configuration_error"
	TypeUpstream       = "upstream_error"
	TypeUpstreamAuth   = "upstream_auth_error"
	TypeServer         = "server_error"
	TypeNotFound       = "not_found"
)

// Entry is what a code means on the wire.
type Entry struct {
	// Status is the HTTP status.
	Status int
	// Type is the OpenAI-style error type.
	Type string
}

// table is the one map from codes to their status and type.
var table = map[string]Entry{
	ENotFound:         {http.StatusNotFound, TypeInvalidRequest},
	EMethodNotAllowed: {http.StatusMethodNotAllowed, TypeInvalidRequest},
	EBadRequestTarget: {http.StatusBadRequest, TypeInvalidRequest},
	ECrossOrigin:      {http.StatusForbidden, TypeInvalidRequest},
	EWasmNotBuilt:     {http.StatusNotFound, TypeNotFound},

	EContentType:       {http.StatusUnsupportedMediaType, TypeInvalidRequest},
	EBodyTooLarge:      {http.StatusRequestEntityTooLarge, TypeInvalidRequest},
	EBodyUnreadable:    {http.StatusBadRequest, TypeInvalidRequest},
	EInvalidJSON:       {http.StatusBadRequest, TypeInvalidRequest},
	EForbiddenField:    {http.StatusBadRequest, TypeInvalidRequest},
	EModelRequired:     {http.StatusBadRequest, TypeInvalidRequest},
	EInvalidParameters: {http.StatusBadRequest, TypeInvalidRequest},
	EFileRefused:       {http.StatusBadRequest, TypeInvalidRequest},
	EInvalidForm:       {http.StatusBadRequest, TypeInvalidRequest},

	EUnknownProvider:    {http.StatusNotFound, TypeInvalidRequest},
	EModelNotAtProvider: {http.StatusBadRequest, TypeInvalidRequest},
	EModelNotFound:      {http.StatusNotFound, TypeInvalidRequest},
	EModelNotRunnable:   {http.StatusBadRequest, TypeInvalidRequest},
	EWrongEndpoint:      {http.StatusBadRequest, TypeInvalidRequest},
	EOperationNotFound:  {http.StatusNotFound, TypeInvalidRequest},
	ENoAPIKey:           {http.StatusServiceUnavailable, TypeConfiguration},

	ERateLimited:      {http.StatusTooManyRequests, TypeRateLimit},
	ETooManyStreams:   {http.StatusTooManyRequests, TypeRateLimit},
	EServerBusy:       {http.StatusTooManyRequests, TypeRateLimit},
	EEmbedModelLocked: {http.StatusForbidden, TypePermission},
	EEmbedKindLocked:  {http.StatusForbidden, TypePermission},
	EEmbedMaxTokens:   {http.StatusBadRequest, TypeInvalidRequest},
	EEmbedBudgetSpent: {http.StatusTooManyRequests, TypeRateLimit},

	EJobNotFound:  {http.StatusNotFound, TypeInvalidRequest},
	EJobExpired:   {http.StatusGone, TypeInvalidRequest},
	ETooManyJobs:  {http.StatusTooManyRequests, TypeRateLimit},
	EPollTooOften: {http.StatusTooManyRequests, TypeRateLimit},

	EUpstreamUnauthorized: {http.StatusBadGateway, TypeUpstreamAuth},
	EUpstreamForbidden:    {http.StatusBadGateway, TypeUpstreamAuth},
	EUpstreamRateLimited:  {http.StatusTooManyRequests, TypeRateLimit},
	EUpstreamRedirect:     {http.StatusBadGateway, TypeUpstream},
	EUpstreamTimeout:      {http.StatusGatewayTimeout, TypeUpstream},
	EUpstreamUnreachable:  {http.StatusBadGateway, TypeUpstream},
	EServerShutdown:       {http.StatusServiceUnavailable, TypeServer},
	ELimitsUnavailable:    {http.StatusServiceUnavailable, TypeServer},
	EStoreUnavailable:     {http.StatusServiceUnavailable, TypeServer},

	EMediaTokenInvalid:   {http.StatusForbidden, TypeInvalidRequest},
	EMediaTokenExpired:   {http.StatusGone, TypeInvalidRequest},
	EMediaNotFound:       {http.StatusNotFound, TypeInvalidRequest},
	EMediaRedirect:       {http.StatusBadGateway, TypeUpstream},
	EMediaUpstreamError:  {http.StatusBadGateway, TypeUpstream},
	EMediaTypeRefused:    {http.StatusBadGateway, TypeUpstream},
	EMediaTooLarge:       {http.StatusBadGateway, TypeUpstream},
	EMediaAddressRefused: {http.StatusBadGateway, TypeUpstream},
	EMediaTimeout:        {http.StatusGatewayTimeout, TypeUpstream},
	EMediaUnreachable:    {http.StatusBadGateway, TypeUpstream},

	EConflict:       {http.StatusConflict, TypeInvalidRequest},
	EInvalid:        {http.StatusBadRequest, TypeInvalidRequest},
	EUnauthorized:   {http.StatusUnauthorized, TypeInvalidRequest},
	EBudgetExceeded: {http.StatusTooManyRequests, TypeRateLimit},
	EForbidden:      {http.StatusForbidden, TypePermission},

	EInternal: {http.StatusInternalServerError, TypeServer},
}

// upstreamPrefix starts the codes of the upstream-refusal family (see UpstreamCode).
const upstreamPrefix = "upstream_"

// UpstreamCode is the code of a provider's refusal with an HTTP status the table has no code for:
// "upstream_404", "upstream_500". The family is one row of the table: a 4xx keeps its status
// (invalid_request_error), a 5xx becomes 502 (upstream_error).
func UpstreamCode(status int) string { return upstreamPrefix + strconv.Itoa(status) }

// Lookup returns the status and type of code. A code outside the table (a bug) is reported as
// EInternal's.
func Lookup(code string) Entry {
	if e, ok := table[code]; ok {
		return e
	}
	if e, ok := upstreamEntry(code); ok {
		return e
	}
	return table[EInternal]
}

// Known reports whether code is in the table (an E… constant or an UpstreamCode).
func Known(code string) bool {
	_, ok := table[code]
	if !ok {
		_, ok = upstreamEntry(code)
	}
	return ok
}

func upstreamEntry(code string) (Entry, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(code, upstreamPrefix))
	switch {
	case !strings.HasPrefix(code, upstreamPrefix) || err != nil || strconv.Itoa(n) != strings.TrimPrefix(code, upstreamPrefix):
		return Entry{}, false
	case n >= 400 && n < 500:
		return Entry{n, TypeInvalidRequest}, true
	case n >= 500 && n < 600:
		return Entry{http.StatusBadGateway, TypeUpstream}, true
	}
	return Entry{}, false
}

// Codes lists the table's codes (without the upstream family), sorted.
func Codes() []string {
	out := make([]string, 0, len(table))
	for c := range table {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
