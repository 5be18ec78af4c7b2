// Package fonts ships the Chinese TrueType faces that documents are printed with, embedded in
// the binary so that printing needs nothing installed. See README.md for their origin and
// ARPHICPL.TXT for their licence, which must travel with them.
package fonts

import (
	_ "embed"
	"slices"
)

// Face is one embedded font: a TrueType file with glyf outlines holding both CJK and Latin,
// because gopdf reads only that kind and has no fallback between fonts.
type Face struct {
	// Name is how print templates choose the face (`"font": "song"`).
	Name string
	// Title is the face's name for people.
	Title string
	// Data is the whole .ttf file. It is shared: never modify it.
	Data []byte
}

var (
	//go:embed gbsn00lp.ttf
	song []byte
	//go:embed gkai00mp.ttf
	kai []byte
	//go:embed ARPHICPL.TXT
	licence []byte
)

// Default is the face used when a template names none.
const Default = "song"

var faces = map[string]*Face{
	"song": {Name: "song", Title: "文鼎宋体（AR PL SungtiL GB）", Data: song},
	"kai":  {Name: "kai", Title: "文鼎楷体（AR PL KaitiM GB）", Data: kai},
}

// Get returns the face with that name.
func Get(name string) (*Face, bool) {
	f, ok := faces[name]
	return f, ok
}

// Names lists the faces in name order.
func Names() []string {
	names := make([]string, 0, len(faces))
	for n := range faces {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Licence is the ARPHIC PUBLIC LICENSE the faces are distributed under (English text); it must
// accompany any copy of the font files.
func Licence() []byte { return licence }
