package definitions

import (
	"path"
	"strings"

	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/definitions/rules"
)

// ExpressionSite is where an expression stands in a matter: the typed environment it is
// compiled in and the type it must produce there.
type ExpressionSite struct {
	Env  *rules.Env
	Want rules.Want
}

// ExpressionAt returns the site of the expression at pointer in file (relative to the bundle
// root) of the matter slug of b, as the checks compile it, so that an editor checks one
// expression exactly as validation will; false when no expression stands there (or the matter
// does not get as far as its expressions: its form schema does not compile).
func ExpressionAt(b *Bundle, slug, file, pointer string) (ExpressionSite, bool) {
	var m *MatterDef
	for _, d := range b.Matters {
		if d.Slug == slug {
			m = d
		}
	}
	if m == nil {
		return ExpressionSite{}, false
	}
	cal, err := calendar.New(b.Calendar...)
	if err != nil {
		return ExpressionSite{}, false
	}
	var problems Problems
	sites := map[string]ExpressionSite{}
	compileMatterNoting(b, m, cal, reporter{problems: &problems}, sites)
	site, ok := sites[file+"#"+pointer]
	return site, ok
}

// PartialPlan compiles what of a matter compiles while the bundle has problems, for a
// designer's preview of a draft with errors: the form schema, and the rules (visibility,
// conditions, fees) that compile; a rule with an error is left out (nil). It is nil when the
// matter is not in the bundle or its form schema does not compile. Never run cases on it.
func PartialPlan(b *Bundle, slug string) *MatterPlan {
	for _, m := range b.Matters {
		if m.Slug != slug {
			continue
		}
		cal, err := calendar.New(b.Calendar...)
		if err != nil {
			cal, _ = calendar.New()
		}
		var problems Problems
		return compileMatterNoting(b, m, cal, reporter{problems: &problems}, nil)
	}
	return nil
}

// IsPrintImage reports whether name (relative to a matter folder or the bundle root) is a
// picture beside the print templates, print/<name>.png or .jpg: a template's background (the
// pre-printed paper, 套打) or what its image elements name. The loader reads no pictures; the
// renderer is given them.
func IsPrintImage(name string) bool {
	base, ok := strings.CutPrefix(name, PrintDir+"/")
	ext := path.Ext(base)
	base = strings.TrimSuffix(base, ext)
	return ok && (ext == ".png" || ext == ".jpg" || ext == ".jpeg") && base != "" &&
		strings.Trim(base, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
}

// IsMatterFile reports whether name (relative to a matter folder) is a file of the format: the
// files the loader reads, and print templates print/<name>.json.
func IsMatterFile(name string) bool {
	switch name {
	case MatterFile, FormSchemaFile, FormUIFile, MaterialsFile, WorkflowFile, FeesFile, SampleFile:
		return true
	}
	base, ok := strings.CutPrefix(name, PrintDir+"/")
	base, json := strings.CutSuffix(base, ".json")
	return ok && json && base != "" && strings.Trim(base, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
}
