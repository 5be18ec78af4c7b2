package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserTypingSurvivesLiveRefresh types into the generated form of 食品经营许可 the way the
// audit of issue 21 found it broken: a radio button changes, which refreshes the form live,
// and the applicant types the area into another field while that refresh is on its way. At
// 0, 50 and 150 ms between keys, ten times each, starting at different moments against the
// refresh, the field must hold exactly what was typed, keep the focus, and (on the portal) the
// saved draft must store it. After a radio change the focus stays on the radio button and Tab
// goes on to the next field, not to 提交申请. The same on the window acceptance form.
func TestBrowserTypingSurvivesLiveRefresh(t *testing.T) {
	s := newBrowserSuite(t)
	applicant := s.demoUser("张伟", "", "")
	for _, c := range []struct {
		name  string
		path  string
		tab   func(*browserSuite) *tab
		draft bool // the portal keeps a draft: check what is stored, not only what the page holds
	}{
		{"Portal", "/matters/food-business-license/apply", func(s *browserSuite) *tab { tb, _ := s.personTab("张伟"); return tb }, true},
		{"Window", "/work/window/apply/food-business-license?key=" + applicant.IDNumber, func(s *browserSuite) *tab { return s.staffTab("wd-amr", "clerk") }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := s.in(t)
			tb := c.tab(s)
			tb.open(c.path)
			tb.axe("the empty form")
			tb.refusedSubmission()
			tb.axe("the refused submission")
			for _, interval := range []time.Duration{0, 50 * time.Millisecond, 150 * time.Millisecond} {
				for trial := range 10 {
					tb.open(c.path)
					tb.do(chromedp.WaitVisible(chromedp.ID("f-premisesArea")))
					what := fmt.Sprintf("%v a key, trial %d", interval, trial)
					tb.typeAfterRadio(what, "f-mainType-"+fmt.Sprint(trial%3), "f-premisesArea", "286.5", interval, time.Duration(trial)*40*time.Millisecond)
					tb.radioThenTab(what, trial%2 == 0)
					if c.draft && trial%5 == 0 {
						if got := tb.savedDraftValue("premisesArea"); got != "286.5" {
							t.Errorf("%s: the draft stores premisesArea %q, typed 286.5", what, got)
						}
					}
				}
			}
		})
	}
}

// typeAfterRadio clicks a radio button, then, after lead, types text into the field id at
// interval between keys, as a person who goes on while the form refreshes.
func (tb *tab) typeAfterRadio(what, radio, id, text string, interval, lead time.Duration) {
	tb.s.t.Helper()
	tb.do(chromedp.Click(chromedp.ID(radio), chromedp.NodeVisible), chromedp.Sleep(lead), chromedp.Focus(chromedp.ID(id)))
	for _, r := range text {
		tb.do(chromedp.KeyEvent(string(r)), chromedp.Sleep(interval))
	}
	tb.settle()
	got := evalIn[[]string](tb, fmt.Sprintf(`[document.getElementById(%q).value, document.activeElement.id, new FormData(document.getElementById(%q).form).get(%q)]`, id, id, strings.TrimPrefix(id, "f-")))
	if got[0] != text || got[2] != text {
		tb.s.t.Errorf("%s: typed %q after choosing %s, the field holds %q and would post %q", what, text, radio, got[0], got[2])
	}
	if got[1] != id {
		tb.s.t.Errorf("%s: the focus moved from %s to %q during the refresh", what, id, got[1])
	}
}

// radioThenTab chooses 网络经营 yes or no with the keyboard's focus on it, waits for the
// refresh, and checks that the focus stayed and that Tab goes to the next field: the platform
// name that yes reveals, else the next group.
func (tb *tab) radioThenTab(what string, yes bool) {
	tb.s.t.Helper()
	radio, next := "f-networkOperation-1", "f-automaticEquipment-0"
	if yes {
		radio, next = "f-networkOperation-0", "f-networkPlatform"
	}
	tb.do(chromedp.Click(chromedp.ID(radio), chromedp.NodeVisible))
	tb.settle()
	if got := evalIn[string](tb, `document.activeElement.id`); got != radio {
		tb.s.t.Errorf("%s: after choosing %s and the refresh the focus is on %q", what, radio, got)
	}
	tb.do(chromedp.KeyEvent(kb.Tab))
	if got := evalIn[string](tb, `document.activeElement.id || document.activeElement.tagName + " " + document.activeElement.textContent`); got != next {
		tb.s.t.Errorf("%s: Tab after %s went to %q, want %s", what, radio, got, next)
	}
}

// savedDraftValue saves the application as a draft and reads field back from the stored draft.
func (tb *tab) savedDraftValue(field string) string {
	tb.s.t.Helper()
	tb.clickAndLoad(`button[name="_action"][value="save"]`)
	number := evalIn[string](tb, `document.querySelector('[name="_draft"]').value`)
	if number == "" {
		tb.s.t.Fatalf("saving the draft gave no draft number:\n%s", tb.pageText())
	}
	tb.open("/matters/food-business-license/apply?draft=" + number)
	return evalIn[string](tb, fmt.Sprintf(`document.querySelector('[name=%q]').value`, field))
}

// refusedSubmission submits the empty form: the page's title says 有错误, the focus is on the
// error summary, and its first link takes the focus to its control.
func (tb *tab) refusedSubmission() {
	tb.s.t.Helper()
	tb.clickAndLoad(`button[name="_action"][value="submit"]`)
	tb.waitFor(`document.activeElement && document.activeElement.id === "error-summary"`)
	if title := evalIn[string](tb, `document.title`); !strings.HasPrefix(title, "有错误") {
		tb.s.t.Errorf("the refused submission's title is %q", title)
	}
	target := evalIn[string](tb, `document.querySelector("#error-summary a").hash.slice(1)`)
	tb.do(chromedp.Click(chromedp.CSS("#error-summary a"), chromedp.NodeVisible))
	if got := evalIn[string](tb, `document.activeElement.id`); got != target {
		tb.s.t.Errorf("the summary's first link focuses %q, not its control %s", got, target)
	}
}

// axe runs axe-core (TONGBAN_AXE, see scripts/axe.sh) over the page and fails on any violation
// of the WCAG 2.1 A and AA rules.
func (tb *tab) axe(what string) {
	tb.s.t.Helper()
	file := os.Getenv("TONGBAN_AXE")
	if file == "" {
		tb.s.t.Log("TONGBAN_AXE is not set (scripts/axe.sh): no axe-core check")
		return
	}
	src, err := os.ReadFile(file)
	if err != nil {
		tb.s.t.Fatal(err)
	}
	evalIn[bool](tb, string(src)+";true")
	raw := evalIn[string](tb, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))))`)
	var violations []struct {
		ID, Help string
		Nodes    []string
	}
	json.Unmarshal([]byte(raw), &violations)
	for _, v := range violations {
		tb.s.t.Errorf("axe on %s (%s): %s — %s: %v", what, tb.location(), v.ID, v.Help, v.Nodes)
	}
}
