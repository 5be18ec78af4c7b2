package runtime

import (
	"encoding/json"
	"strings"
	"time"
)

// Outbox message states.
const (
	OutboxPending   = "pending"
	OutboxDelivered = "delivered"
	OutboxDead      = "dead"
)

// OutboxMessage is a message to another system (a department system, SMS, payment), stored in
// the same transaction as the change it announces and delivered at least once by the
// connectors' outbox worker. The receiver applies it at most once by its IdempotencyKey.
type OutboxMessage struct {
	ID      int64
	Topic   string
	Payload json.RawMessage
	// IdempotencyKey is unique: enqueueing a key again does nothing and returns the first
	// message's ID. The store makes one up when it is empty.
	IdempotencyKey string
	CaseID         int64
	Status         string
	// Attempts counts claims: the delivery in progress is attempt number Attempts.
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   *time.Time
}

// pushTopicPrefix starts the topic of every message for a push connector.
const pushTopicPrefix = "connector.push."

// PushTopic is the outbox topic of the messages the push connector named connector delivers;
// PushTopic("*") is the pattern an outbox router takes them all by.
func PushTopic(connector string) string { return pushTopicPrefix + connector }

// PushConnector returns the connector a push topic names, and false for a topic that is not a
// push connector's.
func PushConnector(topic string) (string, bool) { return strings.CutPrefix(topic, pushTopicPrefix) }
