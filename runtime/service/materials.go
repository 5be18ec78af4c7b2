package service

import (
	"fmt"
	"slices"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/calendar"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// materialRecord is a material as stored with the case.
type materialRecord struct {
	ID       string                 `json:"id"`
	Required bool                   `json:"required"`
	Deferred bool                   `json:"deferred,omitempty"`
	DueAt    *time.Time             `json:"dueAt,omitempty"`
	Files    []runtime.MaterialFile `json:"files,omitempty"`
	// License is the e-license that satisfied (or failed to satisfy) an e-license material.
	License *licenseRecord `json:"license,omitempty"`
	// Received marks a material handed in on paper at the window and checked by the clerk.
	Received bool `json:"received,omitempty"`
	// SharedFrom names the theme's shared material this record reuses: the same stored files,
	// given once for several member cases.
	SharedFrom string `json:"sharedFrom,omitempty"`
	// FromCase names the case whose certificate provides this material (a theme's 前后置).
	FromCase string `json:"fromCase,omitempty"`
	// StoppedClock marks a deferred material whose deadline passed and stopped the clock, which
	// runs again when it is supplied.
	StoppedClock bool `json:"stoppedClock,omitempty"`
}

// licenseProblem says why no e-license satisfied the material.
func (r materialRecord) licenseProblem() string {
	if r.License == nil || r.License.Problem == "" {
		return "未取得证照"
	}
	return r.License.Problem
}

// applies tells whether a material applies to this application and whether it is required
// (definitions.MatterPlan.MaterialApplies).
func applies(mp *definitions.MatterPlan, m definitions.Material, vars rules.Vars) (apply, required bool) {
	return mp.MaterialApplies(m, vars)
}

// checkMaterials decides the materials of a submission: which apply, which the applicant defers
// (容缺, with the deadline to supply them), and which required uploads are missing.
func checkMaterials(mp *definitions.MatterPlan, vars rules.Vars, have map[string]materialRecord, licenses map[string]licenseRecord, deferred []string, cal *calendar.Calendar, now time.Time) ([]materialRecord, []runtime.FieldError) {
	var out []materialRecord
	var problems []runtime.FieldError
	for i, id := range deferred {
		m := materialByID(mp, id)
		switch {
		case m == nil:
			problems = append(problems, runtime.FieldError{Pointer: fmt.Sprintf("/deferred/%d", i), Message: "没有材料 " + id})
		case !m.Deferrable:
			problems = append(problems, runtime.FieldError{Pointer: fmt.Sprintf("/deferred/%d", i), Message: "「" + m.Name + "」不允许容缺，请现在提供"})
		}
	}
	for _, m := range mp.Def.Materials.Materials {
		apply, required := applies(mp, m, vars)
		if !apply {
			continue
		}
		rec := have[m.ID]
		rec.ID, rec.Required = m.ID, required
		if l, ok := licenses[m.ID]; ok {
			rec.License = &l
		}
		fetched := rec.License != nil && rec.License.Number != ""
		needsUpload := m.Source == "upload" || m.Fallback == "upload" && !fetched
		if required && needsUpload && len(rec.Files) == 0 && !rec.Received {
			if m.Deferrable && slices.Contains(deferred, m.ID) {
				rec.Deferred, rec.DueAt = true, nil
				if !m.FollowsFromAcceptance() {
					due := dueAfter(cal, now, m.DeferDays)
					rec.DueAt = &due
				}
			} else {
				hint := ""
				if m.Deferrable {
					hint = "（可申请容缺，在 deferred 中列出）"
				}
				ask := "请上传「" + m.Name + "」"
				if m.Source == "e-license" {
					ask = "电子证照库未能获取「" + m.Name + "」（" + rec.licenseProblem() + "），请上传"
				}
				problems = append(problems, runtime.FieldError{Pointer: "/materials/" + m.ID, Message: ask + hint})
			}
		}
		out = append(out, rec)
	}
	return out, problems
}

func materialByID(mp *definitions.MatterPlan, id string) *definitions.Material {
	for i := range mp.Def.Materials.Materials {
		if mp.Def.Materials.Materials[i].ID == id {
			return &mp.Def.Materials.Materials[i]
		}
	}
	return nil
}

// How an e-license material came to the case (licenseVia).
const (
	viaLibrary  = "e-license"       // fetched from the e-license library
	viaFallback = "fallback-upload" // uploaded instead, as the material's declared fallback
	viaReceived = "received"        // handed in on paper at the window and checked by the clerk
	viaDeferred = "deferred"        // to be supplied later (容缺)
)

// licenseVia says how an e-license material was provided: fetched from the library, uploaded
// as its fallback when the library did not give it, received at the window or deferred; "" for
// none of these and for other materials. The library wins over an upload made beforehand.
func licenseVia(m *definitions.Material, r materialRecord) string {
	switch {
	case m.Source != "e-license":
		return ""
	case r.License != nil && r.License.Number != "":
		return viaLibrary
	case m.Fallback == "upload" && len(r.Files) > 0:
		return viaFallback
	case r.Received:
		return viaReceived
	case r.Deferred:
		return viaDeferred
	}
	return ""
}

// materialStates is what expressions see of the case's materials. An e-license material is
// provided, with source "e-license", only when its license was fetched; uploaded instead it is
// "upload"; otherwise its source is "unavailable", so rules can hand the case to a person.
func materialStates(mp *definitions.MatterPlan, recs []materialRecord) map[string]rules.Material {
	out := map[string]rules.Material{}
	for _, m := range mp.Def.Materials.Materials {
		st := rules.Material{Source: m.Source}
		for _, r := range recs {
			if r.ID != m.ID {
				continue
			}
			st.Files, st.Deferred = len(r.Files), r.Deferred
			st.Provided = len(r.Files) > 0 || r.Received
			if m.Source == "e-license" {
				switch licenseVia(&m, r) {
				case viaLibrary:
					st.Provided = true
				case viaFallback:
					st.Source = "upload"
				default:
					st.Source = "unavailable"
				}
			}
		}
		out[m.ID] = st
	}
	return out
}
