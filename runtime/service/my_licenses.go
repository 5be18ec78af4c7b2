package service

import (
	"context"
	"encoding/json"

	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// myCasesScanned bounds the cases 我的证照 looks through for certificates issued here.
const myCasesScanned = 200

// MyLicenses lists the applicant's certificates (我的证照): those issued on their concluded
// cases, newest case first, each downloadable when its PDF exists, and those the e-license
// library holds for their ID number or credit code.
func (s *Service) MyLicenses(ctx context.Context, u *runtime.User) (*runtime.MyLicenses, error) {
	if err := mustApply(u); err != nil {
		return nil, err
	}
	out := &runtime.MyLicenses{Issued: []runtime.MyLicense{}, Library: []runtime.MyLicense{}}
	cases, _, err := s.ListCases(ctx, u, runtime.CaseFilter{Limit: myCasesScanned})
	if err != nil {
		return nil, err
	}
	for _, v := range cases {
		if v.ConcludedAt == nil {
			continue
		}
		c, err := s.db.GetCaseByNumber(ctx, v.Number)
		if err != nil {
			return nil, err
		}
		certs, err := s.db.CertificatesOfCase(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, cert := range certs {
			l := runtime.MyLicense{Number: cert.Number, Title: v.MatterName, Issuer: cert.Issuer, Status: certificateStatus(cert, s.now()),
				IssuedOn: rules.Display(cert.IssuedAt.In(runtime.Zone)), CaseNumber: v.Number, Download: cert.Document != ""}
			if _, mp, err := s.matterOf(ctx, c); err == nil {
				l.Title = mp.Def.Matter.Result.Name
			}
			if cert.ValidUntil != nil {
				l.ValidUntil = rules.Display(cert.ValidUntil.In(runtime.Zone))
			}
			out.Issued = append(out.Issued, l)
		}
	}
	key := u.IDNumber
	if u.Kind == "enterprise" {
		key = u.USCC
	}
	lookup := s.lookups.Lookup()
	if lookup == nil || key == "" {
		out.LibraryNote = "未连接电子证照库"
		return out, nil
	}
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	answer, err := lookup(lctx, "e-license-library", key)
	if err != nil {
		out.LibraryNote = "电子证照库暂时无法查询：" + runtime.ErrorMessage(err)
		return out, nil
	}
	var held []struct {
		Number, Type, Issuer, IssuedOn, ValidUntil, Status string
	}
	raw, _ := json.Marshal(answer)
	json.Unmarshal(raw, &held)
	for _, h := range held {
		out.Library = append(out.Library, runtime.MyLicense{Number: h.Number, Title: h.Type, Issuer: h.Issuer, Status: h.Status,
			IssuedOn: h.IssuedOn, ValidUntil: h.ValidUntil})
	}
	return out, nil
}
