package service

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
)

// registrationTimeout bounds the register lookups one registration waits for, retries
// included, so that someone registering is told to try again rather than left waiting.
const registrationTimeout = 8 * time.Second

// RegisterCheck checks registrations against the registers that registers returns at the time
// of registering (nil while none is connected), so that accounts carry real names: a person's
// name must be the population database's for their ID number; an enterprise's credit code must
// be in the legal-person database, under the name given, with the legal representative's name
// and ID number as given. A register that does not answer refuses the registration with a
// request to try again: an unchecked name never gets in. The lookup must return not_found
// when the register answered that it holds no such record. For a person it answers the mobile
// number the register holds, which the registration's code is texted to.
func RegisterCheck(registers func() Lookup, logger *slog.Logger) IdentityCheck {
	if logger == nil {
		logger = slog.Default()
	}
	return func(ctx context.Context, reg Registration) (Identity, error) {
		connector, key := "population-db", reg.IDNumber
		if reg.Kind == "enterprise" {
			connector, key = "legal-person-db", reg.USCC
		}
		lookup := registers()
		if lookup == nil {
			logger.Warn("registration refused: no register is connected", "connector", connector)
			return Identity{}, errUnverifiable
		}
		ctx, cancel := context.WithTimeout(ctx, registrationTimeout)
		defer cancel()
		answer, err := lookup(ctx, connector, key)
		switch runtime.ErrorCode(err) {
		case "":
		case runtime.ENOTFOUND:
			if reg.Kind == "enterprise" {
				return Identity{}, refused("/uscc", "法人库中查无此统一社会信用代码，请核对")
			}
			return Identity{}, refused("/idNumber", "人口库中查无此身份证号码，请核对")
		default:
			logger.Warn("registration refused: register did not answer", "connector", connector, "err", err)
			return Identity{}, errUnverifiable
		}
		record, _ := answer.(map[string]any)
		str := func(k string) string { s, _ := record[k].(string); return strings.TrimSpace(s) }
		if reg.Kind == "enterprise" {
			var fields []runtime.FieldError
			if str("name") != reg.Name {
				fields = append(fields, runtime.FieldError{Pointer: "/name", Message: "企业名称与法人库登记的不符，请核对"})
			}
			rep := str("legalRepresentative")
			if rep == "" {
				rep = str("legalPerson") // the other word registers use for it
			}
			if rep != reg.LegalName {
				fields = append(fields, runtime.FieldError{Pointer: "/legalName", Message: "法定代表人姓名与法人库登记的不符，请核对"})
			}
			if !strings.EqualFold(str("legalRepresentativeIdNumber"), reg.IDNumber) {
				fields = append(fields, runtime.FieldError{Pointer: "/legalIdNumber", Message: "法定代表人身份证号码与法人库登记的不符，请核对"})
			}
			if len(fields) > 0 {
				return Identity{}, runtime.Invalid("身份核验未通过", fields...)
			}
			return Identity{}, nil
		}
		if str("status") == "死亡" {
			return Identity{}, refused("/idNumber", "此身份证号码的户籍已注销，不能注册")
		}
		if str("name") != reg.Name {
			return Identity{}, refused("/name", "姓名与身份证号码不符，请核对")
		}
		return Identity{Mobile: str("mobile")}, nil
	}
}

// errUnverifiable refuses a registration no register could check.
var errUnverifiable = runtime.Errorf(runtime.EUNAVAILABLE, "暂时无法核验身份，请稍后再试")

func refused(pointer, message string) error {
	return runtime.Invalid("身份核验未通过", runtime.FieldError{Pointer: pointer, Message: message})
}
