package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/rules"
	"github.com/xuchang-gov/tongban/runtime"
)

// The push connectors the runtime sends to when a bundle has them: SMS to applicants, payment
// orders for fees. They are named by convention, like LicensePushConnector.
const (
	SMSConnector       = "sms-gateway"
	PaymentConnector   = "payment-platform"
	LogisticsConnector = "logistics-platform"
)

// smsTemplates chooses the approved SMS template of a status the case moved to.
var smsTemplates = map[runtime.Status]string{
	runtime.StatusInApproval:   "case-accepted",
	runtime.StatusCorrection:   "case-correction",
	runtime.StatusApproved:     "case-approved",
	runtime.StatusCertificated: "case-approved",
	runtime.StatusDenied:       "case-denied",
	runtime.StatusNotAccepted:  "case-denied",
}

func pushes(plan *definitions.Plan, connector string) bool {
	c := plan.Bundle.Connector(connector)
	return c != nil && c.Kind == "push"
}

// notifyMove queues, in the transaction that moves the case, the SMS of its new status and, on
// acceptance of a case with fees, the payment order and its SMS.
func (s *Service) notifyMove(tx runtime.Tx, plan *definitions.Plan, mp *definitions.MatterPlan, c *runtime.Case, applicant *runtime.User, from runtime.Status, reason string) error {
	if c.Status == from {
		return nil
	}
	if applicant == nil {
		var err error
		if applicant, err = tx.GetUser(c.ApplicantID); err != nil {
			return err
		}
	}
	params := map[string]any{"matter": mp.Def.Matter.Name, "case": c.Number, "code": c.QueryCode, "reason": reason}
	if tpl, ok := smsTemplates[c.Status]; ok {
		if c.Status == runtime.StatusCorrection {
			params["deadline"] = rules.Display(dueAfter(plan.Calendar, s.now(), correctionDays))
		}
		if err := s.queueSMS(tx, plan, c, applicant, tpl, params); err != nil {
			return err
		}
	}
	if c.Status == runtime.StatusInApproval && c.FeeTotal > 0 && c.FeePaidAt == nil && pushes(plan, PaymentConnector) {
		deadline := dueAfter(plan.Calendar, s.now(), feePaymentDays)
		order, _ := json.Marshal(paymentOrder(mp, c))
		if _, err := tx.Enqueue(runtime.OutboxMessage{Topic: runtime.PushTopic(PaymentConnector), Payload: order, CaseID: c.ID,
			IdempotencyKey: paymentKey(c)}); err != nil {
			return err
		}
		params["amount"], params["deadline"] = strconv.FormatFloat(c.FeeTotal, 'f', 2, 64), rules.Display(deadline)
		return s.queueSMS(tx, plan, c, applicant, "fee-due", params)
	}
	return nil
}

// queueSMS queues one templated SMS to the applicant, when the bundle connects an SMS gateway
// and the applicant left a mobile number.
func (s *Service) queueSMS(tx runtime.Tx, plan *definitions.Plan, c *runtime.Case, applicant *runtime.User, template string, params map[string]any) error {
	if !pushes(plan, SMSConnector) || applicant.Mobile == "" {
		return nil
	}
	payload, _ := json.Marshal(map[string]any{"mobile": applicant.Mobile, "template": template, "params": params})
	_, err := tx.Enqueue(runtime.OutboxMessage{Topic: runtime.PushTopic(SMSConnector), Payload: payload, CaseID: c.ID,
		IdempotencyKey: fmt.Sprintf("sms:%s:%s:%d", c.Number, template, c.Revision)})
	return err
}

// feePaid records the payment platform's confirmation that a case's fees are paid.
func (s *Service) feePaid(ctx context.Context, tx runtime.Tx, c *runtime.Case, actor string, msg map[string]any) error {
	if c.FeePaidAt != nil {
		return nil
	}
	now := s.now()
	if at, err := time.Parse(time.RFC3339, fmt.Sprint(msg["paidAt"])); err == nil {
		now = at.UTC()
	}
	c.FeePaidAt = &now
	if err := tx.UpdateCase(c); err != nil {
		return err
	}
	if _, err := tx.AppendEvents(c.ID, []runtime.Event{event("fee-paid", actor, s.now(),
		map[string]any{"amount": msg["amount"], "tradeNo": msg["tradeNo"], "paidAt": now})}); err != nil {
		return err
	}
	// The case may be waiting for exactly this at a payment node.
	open, err := tx.OpenTasks(c.ID)
	if err != nil {
		return err
	}
	for _, t := range open {
		if t.Kind == runtime.TaskPayment {
			if err := s.completeWaiting(ctx, tx, c.ID, t.Token, "", actor, map[string]any{"tradeNo": msg["tradeNo"]}); err != nil {
				return err
			}
		}
	}
	return nil
}

// tracked records a logistics tracking event; the "delivered" event completes the case's
// delivery step (送达), and the first one tells the applicant the waybill number.
func (s *Service) tracked(ctx context.Context, tx runtime.Tx, c *runtime.Case, actor string, msg map[string]any) error {
	status, _ := msg["status"].(string)
	orderNo, _ := msg["orderNo"].(string)
	if _, err := tx.AppendEvents(c.ID, []runtime.Event{event("delivery-tracking", actor, s.now(), msg)}); err != nil {
		return err
	}
	switch status {
	case "collected":
		plan, mp, err := s.matterOf(ctx, c)
		if err != nil {
			return err
		}
		applicant, err := tx.GetUser(c.ApplicantID)
		if err != nil {
			return err
		}
		return s.queueSMS(tx, plan, c, applicant, "delivery", map[string]any{"matter": mp.Def.Matter.Name, "case": c.Number, "waybill": msg["waybillNo"]})
	case "delivered":
		_, tokenText, _ := strings.Cut(strings.TrimPrefix(orderNo, c.Number), "-")
		token, err := strconv.Atoi(tokenText)
		if err != nil {
			return runtime.Invalid("物流回调的订单号 " + orderNo + " 不属于办件 " + c.Number)
		}
		err = s.completeWaiting(ctx, tx, c.ID, token, "", actor, map[string]any{"waybillNo": msg["waybillNo"]})
		if runtime.ErrorCode(err) == runtime.ECONFLICT {
			// The delivery step was closed otherwise — confirmed at the window, or by an earlier
			// message — before anything was written: the tracking event is kept, and the
			// platform is answered that all is well, so that it does not send it again.
			return nil
		}
		return err
	}
	return nil
}
