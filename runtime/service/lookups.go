package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// Lookup asks an outside register through the named lookup connector (population database,
// legal-person database, e-license library) and returns its mapped answer. Errors carry a
// Chinese message people can read (the connectors component provides it).
type Lookup func(ctx context.Context, connector, key string) (any, error)

// Lookups is the service's way to the outside registers. The lookup connectors in force are
// those of the newest published bundle, which the service itself reads, so the program gives
// New an unconnected Lookups (WithLookups) and connects it once it has built the connectors
// from that bundle. Until then, and without one, the service acts as if no register were
// configured. It is safe for concurrent use.
//
// It also carries the pushes whose answer a waiting request needs (Push: the payment order a
// citizen is sent to pay at), connected the same way from the same bundle.
type Lookups struct {
	fn   atomic.Pointer[Lookup]
	push atomic.Pointer[Push]
}

// Push sends input to the named push connector with the idempotency key and returns its mapped
// answer; errors carry a Chinese message people can read.
type Push func(ctx context.Context, connector string, input map[string]any, idempotencyKey string) (any, error)

// Connect has every lookup from now on go through fn.
func (l *Lookups) Connect(fn Lookup) { l.fn.Store(&fn) }

// ConnectPush has every push a request waits for from now on go through fn.
func (l *Lookups) ConnectPush(fn Push) { l.push.Store(&fn) }

// Push returns what ConnectPush was given: nil before, and for a nil Lookups.
func (l *Lookups) Push() Push {
	if l == nil {
		return nil
	}
	if fn := l.push.Load(); fn != nil {
		return *fn
	}
	return nil
}

// Lookup returns what Connect was given: nil before Connect, and for a nil Lookups.
func (l *Lookups) Lookup() Lookup {
	if l == nil {
		return nil
	}
	if fn := l.fn.Load(); fn != nil {
		return *fn
	}
	return nil
}

// lookupTimeout bounds the outside calls one request waits for.
const lookupTimeout = 8 * time.Second

// licenseRecord is the e-license that satisfied a material: which one, which version, its hash.
type licenseRecord struct {
	Number     string `json:"number"`
	Type       string `json:"type"`
	Holder     string `json:"holder"`
	Version    int    `json:"version"`
	Hash       string `json:"hash"`
	ValidUntil string `json:"validUntil,omitempty"`
	// Problem says, in Chinese, why no license could be fetched.
	Problem string `json:"problem,omitempty"`
}

// fetchLicenses fetches the e-license of every applicable e-license material from its library,
// before any transaction: a material whose license is found is provided without an upload; one
// that is not is recorded with the reason, for a person to check. Materials in skip are
// provided otherwise (a theme's shared license, a predecessor's certificate).
func (s *Service) fetchLicenses(ctx context.Context, mp *definitions.MatterPlan, vars rules.Vars, skip map[string]bool) map[string]licenseRecord {
	out := map[string]licenseRecord{}
	lookup := s.lookups.Lookup()
	for _, m := range mp.Def.Materials.Materials {
		if m.Source != "e-license" || skip[m.ID] {
			continue
		}
		if apply, _ := applies(mp, m, vars); !apply {
			continue
		}
		rec := licenseRecord{Type: m.LicenseType}
		holder, err := mp.LicenseHolder[m.ID].Run(vars)
		switch {
		case err != nil || holder == nil || holder == "":
			rec.Problem = "申请表中没有持证人信息，无法获取电子证照"
		case lookup == nil:
			rec.Problem = "未配置电子证照库"
		default:
			rec.Holder = fmt.Sprint(holder)
			ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
			answer, err := lookup(ctx, m.Connector, rec.Holder)
			cancel()
			if err != nil {
				rec.Problem = "电子证照库查询失败：" + runtime.ErrorMessage(err)
			} else {
				pickLicense(answer, &rec)
			}
		}
		out[m.ID] = rec
	}
	return out
}

// pickLicense chooses from a library's answer (a list of licenses) the valid one of the type.
func pickLicense(answer any, rec *licenseRecord) {
	raw, _ := json.Marshal(answer)
	var licenses []struct {
		Number, Type, Holder, Hash, Status, ValidUntil string
		Version                                        int
	}
	if err := json.Unmarshal(raw, &licenses); err != nil {
		rec.Problem = "电子证照库的答复无法识别"
		return
	}
	for _, l := range licenses {
		if l.Type == rec.Type && (l.Status == "" || l.Status == "有效") {
			rec.Number, rec.Version, rec.Hash, rec.ValidUntil = l.Number, l.Version, l.Hash, l.ValidUntil
			return
		}
	}
	rec.Problem = "电子证照库中没有该持证人有效的「" + rec.Type + "」"
}

// Prefill fills empty fields of a form from the applicant's account and the lookup connectors
// named in form.ui.json. From a register it fills only the applicant's own record — the one of
// their ID number or credit code, the enterprise they are: of anyone else the form names (a
// family member, an elder) the applicant learns only whether the record exists and whether
// what they typed matches it, never a field they did not type. Lookups that fail leave their
// fields empty, with the reason. Every register lookup is recorded in the account audit log:
// who asked, whose number, and why.
func (s *Service) Prefill(ctx context.Context, u *runtime.User, slug string, form json.RawMessage) (*runtime.Prefilled, error) {
	// An account not yet verified may name anyone: the registers are not read for it.
	if err := mustApply(u); err != nil {
		return nil, err
	}
	_, _, mp, err := s.latest(ctx, slug)
	if err != nil {
		return nil, err
	}
	// A form of null is one not filled in yet; anything else must be an object, as a draft's.
	if string(bytes.TrimSpace(form)) == "null" {
		form = nil
	}
	_, value, err := checkForm(mp, form, true)
	if err != nil {
		return nil, err
	}
	data := value.(map[string]any)
	out := &runtime.Prefilled{Notes: []runtime.FieldError{}}
	c := &runtime.Case{Matter: slug}
	// Several fields come from one record: it is asked for, and recorded, once.
	type answer struct {
		value any
		err   error
	}
	answers := map[string]answer{}
	var asked []runtime.AccountEvent
	for _, p := range mp.Prefill {
		vars := varsFor(mp, c, data, u, materialStates(mp, nil), s.now())
		current := valueAtPath(data, p.Field)
		typed := current != nil && current != ""
		own := true
		if p.From != "applicant" {
			key, err := p.Key.Run(vars)
			if err != nil || key == nil || key == "" {
				continue
			}
			k := fmt.Sprint(key)
			if own = k == u.IDNumber && k != "" || k == u.USCC && k != ""; own && typed {
				continue
			}
			lookup := s.lookups.Lookup()
			if lookup == nil {
				continue
			}
			a, seen := answers[p.From+"\x00"+k]
			if !seen {
				lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
				a.value, a.err = lookup(lctx, p.From, k)
				cancel()
				answers[p.From+"\x00"+k] = a
				asked = append(asked, lookupEvent(u, p.From, k, "表单预填："+slug))
			}
			if a.err != nil {
				out.Notes = append(out.Notes, runtime.FieldError{Pointer: fieldPointer(p.Field), Message: runtime.ErrorMessage(a.err)})
				continue
			}
			vars["response"] = a.value
		} else if typed {
			continue
		}
		v, err := p.Value.Run(vars)
		switch {
		case err != nil || v == nil || v == "":
		case own:
			setAtPath(data, p.Field, v)
		case typed && strings.TrimSpace(fmt.Sprint(current)) == strings.TrimSpace(fmt.Sprint(v)):
			out.Notes = append(out.Notes, runtime.FieldError{Pointer: fieldPointer(p.Field), Message: "与登记信息一致"})
		case typed:
			out.Notes = append(out.Notes, runtime.FieldError{Pointer: fieldPointer(p.Field), Message: "与登记信息不一致，请核对"})
		}
	}
	if err := s.recordAccountEvents(ctx, asked...); err != nil {
		return nil, err
	}
	out.Form, err = json.Marshal(data)
	return out, err
}

// LookupFor is the window's smart perception (受理智能感知): staff who accept cases ask a
// register through a lookup connector, by ID number or credit code; each lookup is recorded in
// the account audit log.
func (s *Service) LookupFor(ctx context.Context, u *runtime.User, connector, key string) (any, error) {
	if u.Kind != "staff" || !slices.Contains(u.Roles, runtime.RoleClerk) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有受理岗位的工作人员可以查询人口库、法人库等外部系统")
	}
	b, err := s.NewestBundle(ctx)
	if err != nil {
		return nil, err
	}
	lookup := s.lookups.Lookup()
	if lookup == nil || b == nil || !slices.ContainsFunc(b.Connectors, func(c *definitions.Connector) bool {
		return c.Name == connector && c.Kind == "lookup"
	}) {
		return nil, runtime.Errorf(runtime.ENOTFOUND, "没有查询连接器 %s", connector)
	}
	// Every register is asked by ID number or credit code: anything else cannot be found, and
	// asking would only spend the register's time.
	if !cn.ValidIDNumber(key) && !cn.ValidUSCC(key) {
		return nil, runtime.Invalid("请输入有效的身份证号或统一社会信用代码",
			runtime.FieldError{Pointer: "/key", Message: "不是有效的身份证号或统一社会信用代码"})
	}
	if err := s.recordAccountEvents(ctx, lookupEvent(u, connector, key, "受理智能感知")); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	return lookup(ctx, connector, key)
}

// EventLookup is the account audit log's entry of a register lookup.
const EventLookup = "lookup"

// lookupEvent is the audit entry of u asking connector for key, and why.
func lookupEvent(u *runtime.User, connector, key, why string) runtime.AccountEvent {
	return runtime.AccountEvent{Type: EventLookup, UserID: u.ID, Detail: fmt.Sprintf("查询 %s：%s（%s）", connector, MaskIdentifier(key), why)}
}

// recordAccountEvents appends entries (lookups, materials opened) to the account audit log, in one write.
func (s *Service) recordAccountEvents(ctx context.Context, events ...runtime.AccountEvent) error {
	if len(events) == 0 {
		return nil
	}
	return s.db.WriteAccounts(ctx, func(tx runtime.AccountTx) error {
		for _, e := range events {
			if err := tx.RecordAccountEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// fieldPointer is the JSON pointer of a dotted field path.
func fieldPointer(path string) string { return "/" + strings.ReplaceAll(path, ".", "/") }

func valueAtPath(data map[string]any, path string) any {
	var cur any = data
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func setAtPath(data map[string]any, path string, v any) {
	definitions.SetPointer(data, fieldPointer(path), v)
}
