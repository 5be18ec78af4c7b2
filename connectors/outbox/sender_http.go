package outbox

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/xuchang-gov/tongban/connectors/httpconn"
	"github.com/xuchang-gov/tongban/runtime"
)

// InputFunc turns a message into a connector's input. The default decodes the payload, a JSON
// object; the runtime may add the case's form and materials here.
type InputFunc func(ctx context.Context, m *runtime.OutboxMessage) (map[string]any, error)

// PayloadInput is the default InputFunc.
func PayloadInput(_ context.Context, m *runtime.OutboxMessage) (map[string]any, error) {
	input := map[string]any{}
	if len(m.Payload) > 0 && string(m.Payload) != "null" {
		if err := json.Unmarshal(m.Payload, &input); err != nil {
			return nil, fmt.Errorf("消息内容不是 JSON 对象：%w", err)
		}
	}
	return input, nil
}

// HTTPSender delivers every message it gets through one connector, sending the message's
// idempotency key as the Idempotency-Key header. Use it for a topic such as "notify.sms".
type HTTPSender struct {
	Client *httpconn.Client
	Input  InputFunc
}

var _ Sender = (*HTTPSender)(nil)

// Send implements Sender.
func (s *HTTPSender) Send(ctx context.Context, m *runtime.OutboxMessage) error {
	return push(ctx, s.Client, s.Input, m)
}

// Connectors delivers "connector.push.<name>" messages through the client of the connector
// they name. Register it as Router{runtime.PushTopic("*"): connectors}.
type Connectors struct {
	Clients map[string]*httpconn.Client
	Input   InputFunc
}

var _ Sender = (*Connectors)(nil)

// Send implements Sender.
func (c *Connectors) Send(ctx context.Context, m *runtime.OutboxMessage) error {
	name, ok := runtime.PushConnector(m.Topic)
	if !ok {
		return fmt.Errorf("主题 %s 不是连接器推送（%s）", m.Topic, runtime.PushTopic("<名称>"))
	}
	client := c.Clients[name]
	if client == nil {
		return fmt.Errorf("没有名为 %s 的推送连接器", name)
	}
	return push(ctx, client, c.Input, m)
}

func push(ctx context.Context, client *httpconn.Client, input InputFunc, m *runtime.OutboxMessage) error {
	if input == nil {
		input = PayloadInput
	}
	in, err := input(ctx, m)
	if err != nil {
		return err
	}
	_, err = client.Push(ctx, in, m.IdempotencyKey)
	return err
}
