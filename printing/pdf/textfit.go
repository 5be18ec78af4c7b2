package pdf

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// ptMM is one point in millimetres.
	ptMM = 25.4 / 72
	// MinSizePt is the smallest size shrink-to-fit goes down to.
	MinSizePt = 6.0
	// shrinkStepPt is how much each shrink step takes off.
	shrinkStepPt = 0.5
	// lineSpacing is the distance between baselines as a multiple of the size.
	lineSpacing = 1.3
	// boldOffset is how far, in thousandths of an em, simulated bold repaints text to the right.
	boldOffset = 35
	// defaultSizePt is the size of text elements that give none (小四).
	defaultSizePt = 12.0
)

// line is one line of laid-out text; w is its width in thousandths of an em.
type line struct {
	text string
	w    int
}

// measure is the width of s in thousandths of an em; each rune is measured in the face that
// draws it (see fallbackFor). Runes no face has measure nothing; check them with missing first.
func (f *face) measure(s string) int {
	w := 0
	for _, r := range s {
		if g := f.fallbackFor(r); g != nil {
			w += g.width(r)
		}
	}
	return w
}

// missing lists the runes of s that no shipped face can draw.
func (f *face) missing(s string) []rune {
	var out []rune
	for _, r := range s {
		if r == '\n' || f.fallbackFor(r) != nil {
			continue
		}
		if !strings.ContainsRune(string(out), r) {
			out = append(out, r)
		}
	}
	return out
}

// noStart are characters a line must not begin with (行首禁则), noEnd those it must not end with.
const (
	noStart = "，。、；：？！）》」』】〉〕”’…—·%‰,.;:?!)]}"
	noEnd   = "（《「『【〈〔“‘([{"
)

// units splits text into the pieces a line may break between: a run of Latin letters and
// digits stays whole (numbers, codes, URLs), other characters stand alone, closing punctuation
// sticks to what precedes it and opening punctuation to what follows. Spaces are units of
// their own.
func units(s string) []string {
	var raw []string
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		j := i + n
		if isWord(r) {
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !isWord(r2) {
					break
				}
				j += n2
			}
		}
		raw = append(raw, s[i:j])
		i = j
	}
	var out []string
	open := ""
	for _, u := range raw {
		first, _ := utf8.DecodeRuneInString(u)
		switch {
		case unicode.IsSpace(first):
			if open != "" {
				out, open = append(out, open), ""
			}
			out = append(out, u)
		case strings.ContainsRune(noStart, first) && open == "" && len(out) > 0 && !isSpaceUnit(out[len(out)-1]):
			out[len(out)-1] += u
		case utf8.RuneCountInString(u) == 1 && strings.ContainsRune(noEnd, first):
			open += u
		default:
			out, open = append(out, open+u), ""
		}
	}
	if open != "" {
		out = append(out, open)
	}
	return out
}

func isWord(r rune) bool {
	return r < utf8.RuneSelf && r > ' ' && r != 0x7f && !strings.ContainsRune("([{)]},;!?", r)
}

func isSpaceUnit(u string) bool {
	r, _ := utf8.DecodeRuneInString(u)
	return unicode.IsSpace(r)
}

// oneLine turns line breaks and tabs into spaces, keeping the spaces an analyst typed.
var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

// wrap breaks text into lines no wider than avail (thousandths of an em). Newlines start new
// lines. Without allowWrap all of text must fit on one line. ok is false when it does not fit:
// a line too long without wrapping, or a single character wider than avail.
func (f *face) wrap(text string, avail int, allowWrap bool) (lines []line, ok bool) {
	if !allowWrap {
		s := oneLine.Replace(text)
		w := f.measure(s)
		return []line{{s, w}}, w <= avail
	}
	for _, para := range strings.Split(text, "\n") {
		var cur strings.Builder
		curW := 0
		wrapped := false // the current line continues the paragraph's previous one
		push := func() {
			s := strings.TrimRightFunc(cur.String(), unicode.IsSpace)
			lines = append(lines, line{s, f.measure(s)})
			cur.Reset()
			curW = 0
			wrapped = true
		}
		for _, u := range units(strings.ReplaceAll(para, "\t", " ")) {
			uw := f.measure(u)
			if isSpaceUnit(u) {
				if cur.Len() == 0 && wrapped {
					continue // a wrapped line starts with no space; a paragraph keeps its indent
				}
				if curW+uw > avail {
					push()
					continue
				}
			}
			if curW+uw <= avail {
				cur.WriteString(u)
				curW += uw
				continue
			}
			if cur.Len() > 0 {
				push()
			}
			if uw <= avail {
				cur.WriteString(u)
				curW = uw
				continue
			}
			for _, r := range u { // a unit longer than a whole line breaks anywhere
				rw := f.measure(string(r))
				if rw > avail {
					return nil, false
				}
				if curW+rw > avail {
					push()
				}
				cur.WriteRune(r)
				curW += rw
			}
		}
		push()
	}
	return lines, true
}

// blockHeight is the height in millimetres of n lines at size.
func (f *face) blockHeight(n int, size float64) float64 {
	if n == 0 {
		return 0
	}
	return (float64(n-1)*lineSpacing + f.ascent - f.descent) * size * ptMM
}

// lineHeight is the height of one line's box (ascent to descent) in millimetres.
func (f *face) lineHeight(size float64) float64 { return (f.ascent - f.descent) * size * ptMM }

// toMM converts thousandths of an em at size to millimetres.
func toMM(w int, size float64) float64 { return float64(w) / 1000 * size * ptMM }

// toEm converts millimetres at size to thousandths of an em, rounding down.
func toEm(mm, size float64) int { return int(mm / (size * ptMM) * 1000) }

// sizes lists the sizes to try: the template's, then smaller by steps down to MinSizePt when
// shrinking is allowed.
func sizes(start float64, shrink bool) []float64 {
	out := []float64{start}
	if !shrink {
		return out
	}
	for s := start - shrinkStepPt; s > MinSizePt; s -= shrinkStepPt {
		out = append(out, s)
	}
	if start > MinSizePt {
		out = append(out, MinSizePt)
	}
	return out
}
