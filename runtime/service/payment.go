package service

import (
	"context"
	"slices"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/runtime"
)

// paymentOrder is the order a case's fees are paid by on the payment platform.
func paymentOrder(mp *definitions.MatterPlan, c *runtime.Case) map[string]any {
	return map[string]any{"orderNo": c.Number, "case": c.Number, "subject": mp.Def.Matter.Name, "amount": c.FeeTotal}
}

// paymentKey is the idempotency key of a case's payment order: the order queued at acceptance
// and the one 去缴费 asks for are one order on the platform.
func paymentKey(c *runtime.Case) string { return "payment:" + c.Number }

// payable tells whether a case's fees are due: accepted, not concluded against the applicant,
// with a total and not yet paid.
func payable(c *runtime.Case) error {
	switch {
	case c.FeeTotal <= 0:
		return runtime.Errorf(runtime.ECONFLICT, "办件 %s 没有需要缴纳的费用", c.Number)
	case c.FeePaidAt != nil:
		return runtime.Errorf(runtime.ECONFLICT, "办件 %s 的费用已缴纳", c.Number)
	case !slices.Contains([]runtime.Status{runtime.StatusInApproval, runtime.StatusApproved, runtime.StatusCertificated, runtime.StatusDelivered}, c.Status):
		return runtime.Errorf(runtime.ECONFLICT, "办件 %s 受理后才能缴费", c.Number)
	}
	return nil
}

// PayOnline is 去缴费: it returns the address of the payment platform's page where the
// applicant pays the case's fees, asking the platform for the case's order (the same one the
// acceptance queued, by its idempotency key).
func (s *Service) PayOnline(ctx context.Context, u *runtime.User, number string) (string, error) {
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return "", err
	}
	if c.ApplicantID != u.ID {
		return "", runtime.Errorf(runtime.EFORBIDDEN, "只有申请人可以在网上缴费")
	}
	if err := payable(c); err != nil {
		return "", err
	}
	plan, mp, err := s.matterOf(ctx, c)
	if err != nil {
		return "", err
	}
	push := s.lookups.Push()
	if push == nil || !pushes(plan, PaymentConnector) {
		return "", runtime.Errorf(runtime.EUNAVAILABLE, "本事项未接入统一公共支付平台，请到窗口缴费")
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	answer, err := push(ctx, PaymentConnector, paymentOrder(mp, c), paymentKey(c))
	if err != nil {
		return "", err
	}
	order, _ := answer.(map[string]any)
	payURL, _ := order["cashierUrl"].(string)
	if payURL == "" {
		return "", runtime.Errorf(runtime.EUNAVAILABLE, "支付平台没有给出缴费页面，请稍后再试或到窗口缴费")
	}
	return payURL, nil
}

// ConfirmPayment records fees paid in person at the window (现场缴费), by a clerk who may see
// the case; the receipt number is kept as the trade number.
func (s *Service) ConfirmPayment(ctx context.Context, u *runtime.User, number, receipt string) (*runtime.CaseView, error) {
	if u.Kind != "staff" || !slices.Contains(u.Roles, runtime.RoleClerk) {
		return nil, runtime.Errorf(runtime.EFORBIDDEN, "只有窗口人员可以确认现场缴费")
	}
	c, err := s.visibleCase(ctx, u, number)
	if err != nil {
		return nil, err
	}
	if err := payable(c); err != nil {
		return nil, err
	}
	if receipt == "" || len([]rune(receipt)) > 64 {
		return nil, runtime.Invalid("请填写收费票据号", runtime.FieldError{Pointer: "/receipt", Message: "请填写收费票据号（至多 64 个字符）"})
	}
	err = s.db.WithTx(ctx, func(tx runtime.Tx) error {
		c, err := tx.GetCaseByNumber(number)
		if err != nil {
			return err
		}
		if err := payable(c); err != nil {
			return err
		}
		return s.feePaid(ctx, tx, c, actorOf(u), map[string]any{"amount": c.FeeTotal, "tradeNo": receipt})
	})
	if err != nil {
		return nil, err
	}
	return s.GetCase(ctx, u, number)
}
