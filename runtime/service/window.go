package service

import (
	"context"
	"slices"

	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
)

// SubmitAtWindow is 窗口受理: a clerk of the matter's org — or of an org the matter lists for
// cross-district acceptance (跨域通办) — files a case for an applicant standing at the window,
// identified by ID number or credit code, with the materials received on paper. A case accepted
// at another org's window is routed to the implementing org, the accepting window kept.
// The applicant's account is found by that number, or made without a password (they may
// register later and so claim it).
func (s *Service) SubmitAtWindow(ctx context.Context, clerk *runtime.User, applicant runtime.User, req runtime.SubmitCase, received []string) (*runtime.CaseView, error) {
	if err := mustBeStaff(clerk); err != nil {
		return nil, err
	}
	_, _, mp, err := s.latest(ctx, req.Matter)
	if err != nil {
		return nil, err
	}
	m := mp.Def.Matter
	if !slices.Contains(clerk.OrgRoles, "clerk") || clerk.OrgCode != m.Org.Code && !slices.Contains(m.CrossRegion, clerk.OrgCode) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有「%s」或其跨域通办受理窗口的窗口人员可以受理此事项", m.Org.Name)
	}
	var fields []runtime.FieldError
	switch applicant.Kind {
	case "person":
		if !cn.ValidIDNumber(applicant.IDNumber) {
			fields = append(fields, runtime.FieldError{Pointer: "/applicant/idNumber", Message: "身份证号不正确"})
		}
	case "enterprise":
		if !cn.ValidUSCC(applicant.USCC) {
			fields = append(fields, runtime.FieldError{Pointer: "/applicant/uscc", Message: "统一社会信用代码不正确"})
		}
	default:
		fields = append(fields, runtime.FieldError{Pointer: "/applicant/kind", Message: "申请人应为自然人或法人"})
	}
	if applicant.Name == "" {
		fields = append(fields, runtime.FieldError{Pointer: "/applicant/name", Message: "请填写申请人名称"})
	}
	if fields != nil {
		return nil, runtime.Invalid("申请人信息有误", fields...)
	}
	// Before an account is made for them.
	if err := mayApply(mp, applicant.Kind); err != nil {
		return nil, err
	}
	u, err := s.db.UserByIdentity(ctx, applicant.Kind, applicant.IDNumber, applicant.USCC)
	if runtime.ErrorCode(err) == runtime.ENOTFOUND {
		applicant.Roles, applicant.OrgCode, applicant.OrgRoles = []runtime.Role{runtime.RoleApplicant}, "", nil
		u, err = s.db.CreateUser(ctx, applicant)
	}
	if err != nil {
		return nil, err
	}
	req.Channel = "window"
	return s.submitCase(ctx, u, clerk, req, received)
}
