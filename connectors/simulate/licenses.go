package simulate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

// License is one certificate in the e-license library (电子证照库).
type License struct {
	Number     string `json:"number"`
	Type       string `json:"type"`
	Holder     string `json:"holder"` // the holder's ID number or credit code
	HolderName string `json:"holderName"`
	Issuer     string `json:"issuer"`
	// IssuedOn and ValidFrom are YYYY-MM-DD; ValidUntil is one too, or 长期 (no end).
	IssuedOn   string `json:"issuedOn"`
	ValidFrom  string `json:"validFrom"`
	ValidUntil string `json:"validUntil"`
	// Version counts the library's revisions of the license; Hash is the SHA-256 of its
	// content, which a case records to prove which license satisfied a material.
	Version int    `json:"version"`
	Hash    string `json:"hash"`
	// Status is 有效 or 已过期.
	Status  string `json:"status"`
	FileURL string `json:"fileUrl"`
}

// seal fills in the validity from, status, hash and file address.
func (l *License) seal(now time.Time) {
	if l.Version == 0 {
		l.Version = 1
	}
	if l.ValidFrom == "" {
		l.ValidFrom = l.IssuedOn
	}
	l.Status = "有效"
	if until, err := time.Parse("2006-01-02", l.ValidUntil); err == nil && now.After(until.Add(24*time.Hour)) {
		l.Status = "已过期"
	}
	content := strings.Join([]string{l.Number, l.Type, l.Holder, l.HolderName, l.Issuer, l.IssuedOn, l.ValidFrom, l.ValidUntil, strconv.Itoa(l.Version)}, "\n")
	sum := sha256.Sum256([]byte(content))
	l.Hash = hex.EncodeToString(sum[:])
	l.FileURL = "/e-license/v1/licenses/" + url.PathEscape(l.Number)
}

// HolderLicenses returns the licenses a person (by ID number) or an entity (by credit code)
// holds, and the holder's name. A valid number the registers do not hold has none; a
// malformed one is an error.
func HolderLicenses(holder string, now time.Time) (string, []License, error) {
	if _, err := cn.ParseIDNumber(holder); err == nil {
		p, err := LookupPerson(holder, now)
		if errors.Is(err, ErrNotFound) {
			return "", []License{}, nil
		}
		return p.Name, []License{idCard(p, now), householdRegister(p, now)}, nil
	}
	if cn.ValidUSCC(holder) {
		e, err := LookupEnterprise(holder, now)
		if errors.Is(err, ErrNotFound) {
			return "", []License{}, nil
		}
		out := []License{{Type: "营业执照", Number: e.USCC, Holder: e.USCC, HolderName: e.Name, Issuer: e.RegistrationAuthority,
			IssuedOn: e.EstablishedOn, ValidUntil: "长期"}}
		for _, l := range e.demoLicenses {
			l.Holder, l.HolderName = e.USCC, e.Name
			out = append(out, l)
		}
		for i := range out {
			out[i].seal(now)
		}
		return e.Name, out, nil
	}
	return "", nil, errors.New("持证主体应为有效的身份证号或统一社会信用代码")
}

// idCard is a resident's ID card: issued in a year the number decides, valid 20 years, or
// for good (长期) when the holder was over 45 at issue, as the law on resident ID cards says.
func idCard(p Person, now time.Time) License {
	h := hash64("card" + p.IDNumber)
	born, _ := time.Parse("2006-01-02", p.BirthDate)
	issued := time.Date(2015+int(h%10), time.Month(1+(h>>8)%12), 1+int((h>>16)%28), 0, 0, 0, 0, time.UTC)
	if min16 := born.AddDate(16, 0, 0); issued.Before(min16) {
		issued = min16
	}
	until := issued.AddDate(20, 0, 0).Format("2006-01-02")
	if age := cn.AgeOn(born, issued); age > 45 {
		until = "长期"
	} else if age < 16 {
		until = issued.AddDate(5, 0, 0).Format("2006-01-02")
	}
	county := strings.TrimPrefix(p.HouseholdDivisionName, "河南省许昌市")
	issuer := "许昌市公安局" + strings.TrimSuffix(county, "区") + "分局"
	if !strings.HasSuffix(county, "区") {
		issuer = county + "公安局"
	}
	l := License{Type: "居民身份证", Number: p.IDNumber, Holder: p.IDNumber, HolderName: p.Name, Issuer: issuer,
		IssuedOn: issued.Format("2006-01-02"), ValidUntil: until}
	l.seal(now)
	return l
}

// householdRegister is a resident's household register (居民户口簿), kept by the police station
// of the household's district; it does not expire.
func householdRegister(p Person, now time.Time) License {
	h := hash64("hukou" + p.IDNumber)
	county := strings.TrimPrefix(p.HouseholdDivisionName, "河南省许昌市")
	l := License{Type: "居民户口簿", Number: fmt.Sprintf("%s%08d", p.HouseholdDivision, h%100000000), Holder: p.IDNumber,
		HolderName: p.Name, Issuer: "许昌市公安局" + county + "户籍管理部门",
		IssuedOn:   time.Date(2000+int(h%20), time.Month(1+(h>>8)%12), 1+int((h>>16)%28), 0, 0, 0, 0, time.UTC).Format("2006-01-02"),
		ValidUntil: "长期"}
	l.seal(now)
	return l
}

// licenses serves GET /e-license/v1/licenses?holder=…[&type=…].
func (s *Server) licenses(r *http.Request, _ []byte) (int, any) {
	holder := r.URL.Query().Get("holder")
	if holder == "" {
		return http.StatusBadRequest, apiError("缺少持证主体 holder")
	}
	name, all, err := HolderLicenses(holder, s.cfg.Now())
	if err != nil {
		return http.StatusBadRequest, apiError(err.Error())
	}
	out := all
	if t := r.URL.Query().Get("type"); t != "" {
		out = []License{}
		for _, l := range all {
			if l.Type == t {
				out = append(out, l)
			}
		}
	}
	return http.StatusOK, map[string]any{"holder": holder, "holderName": name, "licenses": out}
}

// license serves GET /e-license/v1/licenses/{number}: the licenses of a holder whose ID
// number or credit code is the license number, else a search of the demo licenses.
func (s *Server) license(r *http.Request, _ []byte) (int, any) {
	number := r.PathValue("number")
	now := s.cfg.Now()
	if _, all, err := HolderLicenses(number, now); err == nil {
		for _, l := range all {
			if l.Number == number {
				return http.StatusOK, l
			}
		}
	}
	for _, e := range demoEnterprises {
		_, all, _ := HolderLicenses(e.USCC, now)
		for _, l := range all {
			if l.Number == number {
				return http.StatusOK, l
			}
		}
	}
	return http.StatusNotFound, apiError("电子证照库中没有证号为 " + number + " 的证照")
}
