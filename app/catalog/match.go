package catalog

import (
	"math/bits"
	"strings"
)

// Matching the words of a search against a model. Search runs on every keystroke over thousands of
// models, so this works on the models' own strings: case is folded byte by byte (ASCII; a field
// with other bytes is lowered only for a query word that has some too), words are walked in place,
// a word too far from the query word by its letters alone is skipped before the edit distance,
// which runs on fixed arrays: matching one model allocates nothing.

// queryWord is one word of the search text, lowered, with its parts between punctuation and the
// letter set of each part (see letters).
type queryWord struct {
	text  string
	parts []string
	sets  []uint64
	count [][64]uint8 // per part: how many of its bytes have each letter bit
	wide  bool        // it has bytes beyond ASCII, so fields are lowered by Unicode rules to match it
}

func queryWords(text string) []queryWord {
	var out []queryWord
	for _, w := range strings.Fields(strings.ToLower(text)) {
		qw := queryWord{text: w, parts: strings.FieldsFunc(w, func(r rune) bool { return r < 0x80 && !inWord(byte(r)) })}
		for _, p := range qw.parts {
			qw.sets = append(qw.sets, letters(p))
			var n [64]uint8
			for i := 0; i < len(p); i++ {
				n[letterBit[p[i]]]++
			}
			qw.count = append(qw.count, n)
		}
		qw.wide = strings.IndexFunc(w, func(r rune) bool { return r >= 0x80 }) >= 0
		out = append(out, qw)
	}
	return out
}

// letters is the set of bytes in s, folded into 64 bits: a letter each for a to z (either case) and
// 0 to 9, the other bytes sharing the rest. Letters of a query word missing from a word of a model
// each cost an edit, so a word missing more than the typo budget's is skipped without comparing.
func letters(s string) uint64 {
	var set uint64
	for i := 0; i < len(s); i++ {
		set |= 1 << letterBit[s[i]]
	}
	return set
}

// missing counts the bytes of a query word whose letters (absent, a set of letter bits) a word of
// a model lacks, up to more than k: each costs an edit.
func missing(absent uint64, count *[64]uint8, k int) int {
	n := 0
	for absent != 0 && n <= k {
		n += int(count[bits.TrailingZeros64(absent)])
		absent &= absent - 1
	}
	return n
}

// Byte tables: lowerTable folds ASCII case, letterBit is a byte's bit in a letter set (see letters),
// wordByte is set for the bytes words are made of (ASCII letters and digits, and every byte beyond
// ASCII).
var (
	lowerTable [256]byte
	letterBit  [256]uint8
	wordByte   [256]bool
)

func init() {
	for i := range 256 {
		c := byte(i)
		lowerTable[i], letterBit[i], wordByte[i] = c, 36+uint8(i%28), c >= 0x80
		switch {
		case c >= 'a' && c <= 'z':
			letterBit[i], wordByte[i] = c-'a', true
		case c >= 'A' && c <= 'Z':
			lowerTable[i], letterBit[i], wordByte[i] = c+'a'-'A', c-'A', true
		case c >= '0' && c <= '9':
			letterBit[i], wordByte[i] = 26+c-'0', true
		}
	}
}

// Scores of a word's match, best first; a field's weight (id and name over aliases over the
// developer) breaks ties between fields.
const (
	scoreEqual    = 6 // the whole id, name or alias
	scoreWord     = 5 // a whole word of it
	scoreStart    = 4 // the start of a word
	scoreInside   = 3 // inside a word
	scoreOneTypo  = 2
	scoreTwoTypos = 1
	fieldWeights  = 3
)

// matchModel reports whether every word matches the model, and the sum of their scores.
func matchModel(m *Model, words []queryWord) (int, bool) {
	total := 0
	for wi := range words {
		w := &words[wi]
		best := 0
		each(m, w.wide, func(field string, weight int) bool {
			if s := exactScore(field, w.text); s > 0 {
				best = max(best, s*fieldWeights+weight)
			}
			return best < scoreEqual*fieldWeights+2
		})
		if best == 0 {
			best = typoScore(m, w)
		}
		if best == 0 {
			return 0, false
		}
		total += best
	}
	return total, true
}

// each calls f with the model's searchable fields and their weights, until f returns false. The
// matching folds ASCII case itself; with wide, fields beyond ASCII are lowered first (a word of
// ASCII only cannot match their other bytes anyway).
func each(m *Model, wide bool, f func(field string, weight int) bool) {
	low := func(s string) string {
		if wide {
			return lowerWide(s)
		}
		return s
	}
	if !f(low(m.ID), 2) || !f(low(m.Name), 2) {
		return
	}
	for _, a := range m.Aliases {
		if !f(low(a), 1) {
			return
		}
	}
	f(low(m.Developer), 0)
}

// exactScore scores the best place word (lower case) appears in field, 0 if nowhere.
func exactScore(field, word string) int {
	if len(field) == len(word) && indexFold(field, word) == 0 {
		return scoreEqual
	}
	best := 0
	for from := 0; from+len(word) <= len(field); {
		i := indexFold(field[from:], word)
		if i < 0 {
			break
		}
		i += from
		s := scoreInside
		if i == 0 || !wordByte[field[i-1]] {
			s = scoreStart
			if end := i + len(word); end == len(field) || !wordByte[field[end]] {
				return scoreWord
			}
		}
		best = max(best, s)
		from = i + 1
	}
	return best
}

// typoScore matches a word part by part: parts of fewer than 4 bytes exactly, longer ones within
// their typo budget of a word of the model (or its start, for parts of 5 bytes and more).
func typoScore(m *Model, w *queryWord) int {
	if len(w.parts) == 0 {
		return 0
	}
	worst := 0
	whole := len(w.parts) == 1 && w.parts[0] == w.text // then it is known to appear nowhere as is
	for pi, part := range w.parts {
		k := typoBudget(len(part))
		set := w.sets[pi]
		if whole && k == 0 {
			return 0
		}
		best := -1 // the fewest edits found
		each(m, w.wide, func(field string, _ int) bool {
			if !whole && exactScore(field, part) > 0 {
				best = 0
				return false
			}
			if k == 0 {
				return true
			}
			for start := 0; start < len(field); {
				for start < len(field) && !wordByte[field[start]] {
					start++
				}
				end, seen, reach := start, uint64(0), start+len(part)+k
				for end < len(field) && wordByte[field[end]] {
					if end < reach {
						seen |= 1 << letterBit[field[end]]
					}
					end++
				}
				if end > start && missing(set&^seen, &w.count[pi], k) <= k {
					if d, ok := editDistance(part, field[start:end], k, len(part) >= 5); ok && (best < 0 || d < best) {
						best = d
						if d <= 1 {
							return false
						}
					}
				}
				start = end
			}
			return true
		})
		if best < 0 {
			return 0
		}
		worst = max(worst, best)
	}
	switch worst {
	case 0, 1:
		return scoreOneTypo
	}
	return scoreTwoTypos
}

// typoBudget is how many edits a query word of n bytes may be away from a word of a model.
func typoBudget(n int) int {
	switch {
	case n < 4:
		return 0
	case n <= 7:
		return 1
	}
	return 2
}

// maxTypoWord is the longest query word compared with typos.
const maxTypoWord = 48

// editDistance returns the optimal-string-alignment distance (insertions, deletions, substitutions
// and swaps of neighbours) between a (lower case) and b (compared ignoring ASCII case), when it is at
// most k; with prefix, the distance between a and the closest start of b. It fills only the band
// of k cells each side of the diagonal, on the stack.
func editDistance(a, b string, k int, prefix bool) (int, bool) {
	n, m := len(a), len(b)
	if n > maxTypoWord {
		return 0, false
	}
	if prefix && m > n+k {
		m = n + k
	} else if m-n > k || n-m > k {
		return 0, false
	}
	var rows [3][maxTypoWord + 3]int8
	big := int8(k + 1)
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= m; j++ {
		prev[j] = int8(min(j, k+1))
	}
	for i := 1; i <= n; i++ {
		lo, hi := max(1, i-k), min(m, i+k)
		rowMin := big
		if lo == 1 {
			cur[0] = int8(min(i, k+1))
			rowMin = cur[0]
		} else {
			cur[lo-1] = big
		}
		for j := lo; j <= hi; j++ {
			bj := lowerByte(b[j-1])
			d := prev[j-1]
			if a[i-1] != bj {
				d++
			}
			d = min(d, prev[j]+1, cur[j-1]+1)
			if i > 1 && j > 1 && a[i-1] == lowerByte(b[j-2]) && a[i-2] == bj {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = min(d, big)
			rowMin = min(rowMin, cur[j])
		}
		if hi < m {
			cur[hi+1] = big
		}
		if rowMin > int8(k) {
			return 0, false
		}
		prev2, prev, cur = prev, cur, prev2
	}
	d := prev[m]
	if prefix {
		for j := max(0, n-k); j <= m; j++ {
			d = min(d, prev[j])
		}
	}
	return int(d), d <= int8(k)
}

func inWord(c byte) bool { return wordByte[c] }

func lowerByte(c byte) byte { return lowerTable[c] }

// lowerWide returns s unchanged when it is ASCII (the matching folds ASCII case itself), else s
// lowered.
func lowerWide(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// indexFold returns the index of the first sub (lower case) in s ignoring ASCII case, or -1.
func indexFold(s, sub string) int {
	n := len(sub)
	if n == 0 {
		return 0
	}
outer:
	for i := 0; i+n <= len(s); i++ {
		if lowerByte(s[i]) != sub[0] {
			continue
		}
		for j := 1; j < n; j++ {
			if lowerByte(s[i+j]) != sub[j] {
				continue outer
			}
		}
		return i
	}
	return -1
}

// compareFold compares strings ignoring ASCII case, then as they are.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		if ca, cb := lowerByte(a[i]), lowerByte(b[i]); ca != cb {
			return int(ca) - int(cb)
		}
	}
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
