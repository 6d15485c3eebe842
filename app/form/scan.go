package form

import "encoding/json"

// A quick splitter for large values the playground itself built (a request body, a file object):
// it finds where each member or item ends without decoding or copying, unlike encoding/json, which
// is slow on megabytes in the browser. It trusts its input to be valid JSON and reports false when
// it meets something it cannot follow.

func skipSpace(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value that starts at v[i] (after any space), or -1.
func skipValue(v []byte, i int) int {
	i = skipSpace(v, i)
	if i >= len(v) {
		return -1
	}
	switch v[i] {
	case '"':
		for i++; i < len(v); i++ {
			switch v[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for ; i < len(v); i++ {
			switch v[i] {
			case '"':
				j := skipValue(v, i)
				if j < 0 {
					return -1
				}
				i = j - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	default:
		start := i
		for ; i < len(v); i++ {
			switch v[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				if i == start {
					return -1
				}
				return i
			}
		}
		return i
	}
}

// splitArray returns the items of a JSON array as sub-slices of v.
func splitArray(v []byte) ([]json.RawMessage, bool) {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '[' {
		return nil, false
	}
	var out []json.RawMessage
	i = skipSpace(v, i+1)
	if i < len(v) && v[i] == ']' {
		return out, true
	}
	for i < len(v) {
		start := skipSpace(v, i)
		end := skipValue(v, start)
		if end < 0 {
			return nil, false
		}
		out = append(out, v[start:end])
		i = skipSpace(v, end)
		if i >= len(v) {
			return nil, false
		}
		switch v[i] {
		case ',':
			i++
		case ']':
			return out, true
		default:
			return nil, false
		}
	}
	return nil, false
}

// splitObject returns the members of a JSON object, their values as sub-slices of v.
func splitObject(v []byte) ([]member, bool) {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '{' {
		return nil, false
	}
	var out []member
	i = skipSpace(v, i+1)
	if i < len(v) && v[i] == '}' {
		return out, true
	}
	for i < len(v) {
		ks := skipSpace(v, i)
		ke := skipValue(v, ks)
		if ke < 0 || v[ks] != '"' {
			return nil, false
		}
		var key string
		if json.Unmarshal(v[ks:ke], &key) != nil {
			return nil, false
		}
		i = skipSpace(v, ke)
		if i >= len(v) || v[i] != ':' {
			return nil, false
		}
		vs := skipSpace(v, i+1)
		ve := skipValue(v, vs)
		if ve < 0 {
			return nil, false
		}
		out = append(out, member{key, v[vs:ve]})
		i = skipSpace(v, ve)
		if i >= len(v) {
			return nil, false
		}
		switch v[i] {
		case ',':
			i++
		case '}':
			return out, true
		default:
			return nil, false
		}
	}
	return nil, false
}
