package fonts_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuchang-gov/tongban/printing/fonts"
)

func TestFacesAreTrueTypeWithTheirLicence(t *testing.T) {
	if got := fonts.Names(); !slices.Equal(got, []string{"kai", "song"}) {
		t.Errorf("names %v", got)
	}
	for _, n := range fonts.Names() {
		f, ok := fonts.Get(n)
		// glyf-outline TrueType starts with version 1.0; CFF (OTTO) and collections (ttcf) would not do
		if !ok || !bytes.HasPrefix(f.Data, []byte{0, 1, 0, 0}) || len(f.Data) < 1<<20 {
			t.Errorf("%s: not a TrueType font", n)
		}
	}
	if _, ok := fonts.Get(fonts.Default); !ok {
		t.Error("no default face")
	}
	if !bytes.Contains(fonts.Licence(), []byte("ARPHIC PUBLIC LICENSE")) {
		t.Error("licence text missing")
	}
}
