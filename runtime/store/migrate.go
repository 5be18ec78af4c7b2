package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/xuchang-gov/tongban/runtime"
)

// migration is one numbered step of the schema. Steps are never edited once released: a change
// is a new step at the end. Each runs in its own transaction and is recorded in
// schema_migrations in that same transaction, so a crash leaves the schema at a step boundary.
type migration struct {
	version int
	name    string
	up      func(tx *Tx) error
}

// migrations is the schema's history, in order.
var migrations = []migration{
	{1, "core tables", execSQL(schemaV1...)},
	{2, "immutability triggers", perDialect(
		[]string{
			`CREATE TRIGGER matter_versions_published_immutable BEFORE UPDATE ON matter_versions
			 WHEN OLD.status = 'published'
			 BEGIN SELECT RAISE(ABORT, 'published matter versions are immutable'); END`,
			`CREATE TRIGGER matter_versions_published_undeletable BEFORE DELETE ON matter_versions
			 WHEN OLD.status = 'published'
			 BEGIN SELECT RAISE(ABORT, 'published matter versions are immutable'); END`,
			`CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
			 BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END`,
			`CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
			 BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END`,
		},
		[]string{
			`CREATE FUNCTION tongban_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
			 BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END $$`,
			`CREATE TRIGGER matter_versions_published_immutable BEFORE UPDATE OR DELETE ON matter_versions
			 FOR EACH ROW WHEN (OLD.status = 'published')
			 EXECUTE FUNCTION tongban_refuse_change('published matter versions are immutable')`,
			`CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
			 FOR EACH ROW EXECUTE FUNCTION tongban_refuse_change('case events are append-only')`,
		})},
	{3, "case materials and fees, task kinds, evaluations", execSQL(
		`ALTER TABLE cases ADD COLUMN materials TEXT`,
		`ALTER TABLE cases ADD COLUMN fees TEXT`,
		`ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'person'`,
		`ALTER TABLE tasks ADD COLUMN token INTEGER NOT NULL DEFAULT 0`,
		`CREATE INDEX tasks_due ON tasks (kind, status, due_at)`,
		`CREATE TABLE evaluations (
			case_id {{bigint}} PRIMARY KEY REFERENCES cases (id),
			user_id {{bigint}} NOT NULL REFERENCES users (id),
			score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
			comment TEXT NOT NULL DEFAULT '',
			created_at {{time}} NOT NULL
		)`,
	)},
	{4, "certificates", execSQL(
		`CREATE TABLE certificates (
			number TEXT PRIMARY KEY,
			case_id {{bigint}} NOT NULL REFERENCES cases (id),
			matter TEXT NOT NULL,
			template TEXT NOT NULL,
			holder TEXT NOT NULL,
			issuer TEXT NOT NULL,
			fields TEXT NOT NULL,
			document TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
			issued_at {{time}} NOT NULL,
			valid_until {{time}},
			revoked_at {{time}},
			revoke_reason TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX certificates_by_case ON certificates (case_id)`,
	)},
	{5, "inbound messages", execSQL(
		`CREATE TABLE inbound_messages (
			id TEXT PRIMARY KEY,
			connector TEXT NOT NULL,
			received_at {{time}} NOT NULL
		)`,
	)},
	{6, "fee payment", execSQL(`ALTER TABLE cases ADD COLUMN fee_paid_at {{time}}`)},
	{7, "accounts: passwords, sessions, lockout, reset codes, account events", func(tx *Tx) error {
		err := execSQL(
			`CREATE TABLE passwords (
				user_id {{bigint}} PRIMARY KEY REFERENCES users (id),
				hash TEXT NOT NULL,
				updated_at {{time}} NOT NULL
			)`,
			`CREATE TABLE sessions (
				id_hash TEXT PRIMARY KEY,
				user_id {{bigint}} NOT NULL REFERENCES users (id),
				ip TEXT NOT NULL DEFAULT '',
				created_at {{time}} NOT NULL,
				last_seen_at {{time}} NOT NULL,
				expires_at {{time}} NOT NULL
			)`,
			`CREATE INDEX sessions_by_user ON sessions (user_id)`,
			`CREATE INDEX sessions_by_expiry ON sessions (expires_at)`,
			`CREATE TABLE login_failures (
				subject TEXT PRIMARY KEY,
				failures INTEGER NOT NULL,
				window_start {{time}} NOT NULL,
				locked_until {{time}}
			)`,
			`CREATE TABLE reset_codes (
				user_id {{bigint}} PRIMARY KEY REFERENCES users (id),
				code_hash TEXT NOT NULL,
				tries INTEGER NOT NULL DEFAULT 0,
				created_at {{time}} NOT NULL,
				expires_at {{time}} NOT NULL
			)`,
			`CREATE TABLE account_events (
				id {{id}},
				at {{time}} NOT NULL,
				type TEXT NOT NULL,
				user_id {{bigint}} REFERENCES users (id),
				actor_id {{bigint}} REFERENCES users (id),
				login TEXT NOT NULL DEFAULT '',
				ip TEXT NOT NULL DEFAULT '',
				detail TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX account_events_by_user ON account_events (user_id, id)`,
			`CREATE INDEX account_events_by_type ON account_events (type, id)`,
			`CREATE INDEX users_mobile ON users (mobile)`,
		)(tx)
		if err != nil {
			return err
		}
		return perDialect(
			[]string{
				`CREATE TRIGGER account_events_no_update BEFORE UPDATE ON account_events
				 BEGIN SELECT RAISE(ABORT, 'account events are append-only'); END`,
				`CREATE TRIGGER account_events_no_delete BEFORE DELETE ON account_events
				 BEGIN SELECT RAISE(ABORT, 'account events are append-only'); END`,
			},
			[]string{
				`CREATE TRIGGER account_events_append_only BEFORE UPDATE OR DELETE ON account_events
				 FOR EACH ROW EXECUTE FUNCTION tongban_refuse_change('account events are append-only')`,
			})(tx)
	}},
	{8, "consultations and complaints", execSQL(
		`CREATE TABLE messages (
			id {{id}},
			kind TEXT NOT NULL CHECK (kind IN ('consultation', 'complaint')),
			matter TEXT NOT NULL,
			org_code TEXT NOT NULL,
			case_number TEXT NOT NULL DEFAULT '',
			user_id {{bigint}} NOT NULL REFERENCES users (id),
			body TEXT NOT NULL,
			asked_at {{time}} NOT NULL,
			answer TEXT NOT NULL DEFAULT '',
			answered_by {{bigint}} REFERENCES users (id),
			answered_at {{time}}
		)`,
		`CREATE INDEX messages_by_user ON messages (user_id, id)`,
		`CREATE INDEX messages_by_org ON messages (org_code, answered_at, id)`,
	)},
	{9, "certificates awaiting their document", execSQL(
		`CREATE INDEX certificates_without_document ON certificates (issued_at, number) WHERE document = ''`,
	)},
	{10, "studio drafts and the design audit trail", func(tx *Tx) error {
		err := execSQL(
			`CREATE TABLE matter_drafts (
				slug TEXT PRIMARY KEY,
				base_version INTEGER NOT NULL DEFAULT 0,
				revision INTEGER NOT NULL CHECK (revision > 0),
				status TEXT NOT NULL CHECK (status IN ('editing', 'requested', 'returned')),
				comment TEXT NOT NULL DEFAULT '',
				opened_by {{bigint}} REFERENCES users (id),
				opened_at {{time}} NOT NULL,
				updated_by {{bigint}} REFERENCES users (id),
				updated_at {{time}} NOT NULL
			)`,
			`CREATE TABLE design_events (
				id {{id}},
				slug TEXT NOT NULL,
				type TEXT NOT NULL,
				actor_id {{bigint}} REFERENCES users (id),
				at {{time}} NOT NULL,
				version INTEGER NOT NULL DEFAULT 0,
				files TEXT NOT NULL DEFAULT '[]',
				summary TEXT NOT NULL DEFAULT '',
				comment TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX design_events_by_slug ON design_events (slug, id)`,
		)(tx)
		if err != nil {
			return err
		}
		return perDialect(
			[]string{
				`CREATE TRIGGER design_events_no_update BEFORE UPDATE ON design_events
				 BEGIN SELECT RAISE(ABORT, 'design events are append-only'); END`,
				`CREATE TRIGGER design_events_no_delete BEFORE DELETE ON design_events
				 BEGIN SELECT RAISE(ABORT, 'design events are append-only'); END`,
			},
			[]string{
				`CREATE TRIGGER design_events_append_only BEFORE UPDATE OR DELETE ON design_events
				 FOR EACH ROW EXECUTE FUNCTION tongban_refuse_change('design events are append-only')`,
			})(tx)
	}},
	{11, "the request an idempotency key was first used for", execSQL(
		`ALTER TABLE idempotency_keys ADD COLUMN request_hash TEXT NOT NULL DEFAULT ''`,
	)},
	{12, "the datasets' day of submission and indexes", func(tx *Tx) error {
		// The day is in the zone the platform runs in when it migrates; Asia/Shanghai has one
		// offset all year.
		_, off := time.Now().In(runtime.Zone).Zone()
		d := sqlDialect{postgres: tx.db.dialect == dialectPostgres, offset: off / 60}
		return execSQL(
			`ALTER TABLE cases ADD COLUMN submitted_day TEXT NOT NULL DEFAULT ''`,
			`UPDATE cases SET submitted_day = `+d.local("submitted_at", "day")+` WHERE submitted_at IS NOT NULL`,
			// The cases dataset reads this index alone: every dimension and measure it has
			// is a column of it, so no query reads the rows with their forms. The org leads,
			// as every staff member's query names their scope's orgs.
			`CREATE INDEX cases_facts ON cases (org_code, submitted_day, status, channel, matter, division_code,
				due_at, concluded_at, stopped_at, submitted_at, fee_total, fee_paid_at)`,
			`CREATE INDEX case_events_by_type ON case_events (type, at)`,
			`CREATE INDEX evaluations_by_time ON evaluations (created_at)`,
			`CREATE INDEX tasks_by_created ON tasks (created_at)`,
		)(tx)
	}},
	{13, "the window that accepted a case", execSQL(
		`ALTER TABLE cases ADD COLUMN window_org TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX cases_by_window ON cases (window_org, id) WHERE window_org <> ''`,
	)},
	{14, "audit anchors: each case's trail head, signed checkpoints", execSQL(
		`ALTER TABLE cases ADD COLUMN event_count INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE cases ADD COLUMN event_head TEXT NOT NULL DEFAULT ''`,
		`UPDATE cases SET
			event_count = (SELECT COUNT(*) FROM case_events e WHERE e.case_id = cases.id),
			event_head = COALESCE((SELECT e.hash FROM case_events e WHERE e.case_id = cases.id ORDER BY e.seq DESC LIMIT 1), '')`,
		`CREATE TABLE audit_checkpoints (
			id {{id}},
			at {{time}} NOT NULL,
			heads TEXT NOT NULL,
			mac TEXT NOT NULL
		)`,
	)},
	{15, "accounts not yet verified", execSQL(`ALTER TABLE users ADD COLUMN unverified BOOLEAN NOT NULL DEFAULT FALSE`)},
	{16, "themes (一件事): versions, theme cases and their member cases", execSQL(
		`CREATE TABLE theme_versions (
			id {{id}},
			slug TEXT NOT NULL,
			version INTEGER NOT NULL CHECK (version > 0),
			content_hash TEXT NOT NULL,
			files {{blob}} NOT NULL,
			created_at {{time}} NOT NULL,
			UNIQUE (slug, version)
		)`,
		`CREATE TABLE theme_cases (
			id {{id}},
			number TEXT NOT NULL UNIQUE,
			query_code TEXT NOT NULL UNIQUE,
			theme TEXT NOT NULL,
			theme_version INTEGER NOT NULL,
			applicant_id {{bigint}} NOT NULL REFERENCES users (id),
			channel TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL,
			result TEXT NOT NULL DEFAULT '',
			form {{json}},
			materials {{json}},
			members {{json}} NOT NULL,
			submitted_at {{time}} NOT NULL,
			accepted_at {{time}},
			concluded_at {{time}},
			created_at {{time}} NOT NULL,
			updated_at {{time}} NOT NULL,
			revision INTEGER NOT NULL DEFAULT 1,
			FOREIGN KEY (theme, theme_version) REFERENCES theme_versions (slug, version)
		)`,
		`CREATE INDEX theme_cases_by_applicant ON theme_cases (applicant_id, id)`,
		`CREATE TABLE theme_member_cases (
			case_id {{bigint}} PRIMARY KEY REFERENCES cases (id),
			theme_case_id {{bigint}} NOT NULL REFERENCES theme_cases (id)
		)`,
	)},
	{17, "appointments", execSQL(
		`CREATE TABLE appointment_configs (
			scope TEXT PRIMARY KEY,
			config TEXT NOT NULL,
			updated_at {{time}} NOT NULL
		)`,
		`CREATE TABLE appointment_slots (
			scope TEXT NOT NULL,
			day TEXT NOT NULL,
			slot TEXT NOT NULL,
			booked INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0),
			PRIMARY KEY (scope, day, slot)
		)`,
		`CREATE TABLE appointments (
			id {{id}},
			scope TEXT NOT NULL,
			day TEXT NOT NULL,
			slot TEXT NOT NULL,
			user_id {{bigint}} NOT NULL REFERENCES users (id),
			status TEXT NOT NULL,
			code TEXT NOT NULL UNIQUE,
			created_at {{time}} NOT NULL
		)`,
		`CREATE UNIQUE INDEX appointments_one_per_slot ON appointments (scope, day, slot, user_id) WHERE status = 'booked'`,
		`CREATE INDEX appointments_by_user ON appointments (user_id, day)`,
	)},
	{18, "queue tickets", execSQL(
		`CREATE TABLE ticket_counters (
			hall_group TEXT NOT NULL,
			day TEXT NOT NULL,
			seq INTEGER NOT NULL DEFAULT 0,
			PRIMARY KEY (hall_group, day)
		)`,
		`CREATE TABLE tickets (
			id {{id}},
			hall_group TEXT NOT NULL,
			day TEXT NOT NULL,
			seq INTEGER NOT NULL,
			number TEXT NOT NULL,
			matter TEXT NOT NULL DEFAULT '',
			source TEXT NOT NULL,
			user_id {{bigint}},
			appointment_id {{bigint}} UNIQUE REFERENCES appointments (id),
			status TEXT NOT NULL,
			created_at {{time}} NOT NULL,
			UNIQUE (hall_group, day, seq)
		)`,
	)},
	{19, "appointment reminders", execSQL(
		`ALTER TABLE appointments ADD COLUMN reminded_at {{time}}`,
	)},
	{20, "dashboards", execSQL(
		`CREATE TABLE dashboards (
			slug TEXT NOT NULL,
			version INTEGER NOT NULL CHECK (version >= 0),
			title TEXT NOT NULL,
			spec TEXT NOT NULL,
			updated_by {{bigint}} REFERENCES users (id),
			updated_at {{time}} NOT NULL,
			PRIMARY KEY (slug, version)
		)`,
	)},
}

// schemaV1 is written once for both databases; the {{…}} types are filled in per dialect.
var schemaV1 = []string{
	`CREATE TABLE matter_versions (
		id {{id}},
		slug TEXT NOT NULL,
		version INTEGER NOT NULL CHECK (version > 0),
		content_hash TEXT NOT NULL,
		status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
		files {{blob}} NOT NULL,
		created_at {{time}} NOT NULL,
		published_at {{time}},
		UNIQUE (slug, version)
	)`,
	`CREATE UNIQUE INDEX matter_versions_one_draft ON matter_versions (slug) WHERE status = 'draft'`,

	`CREATE TABLE users (
		id {{id}},
		name TEXT NOT NULL,
		kind TEXT NOT NULL,
		id_number TEXT NOT NULL DEFAULT '',
		uscc TEXT NOT NULL DEFAULT '',
		mobile TEXT NOT NULL DEFAULT '',
		org_code TEXT NOT NULL DEFAULT '',
		roles TEXT NOT NULL DEFAULT '',
		division_code TEXT NOT NULL DEFAULT '',
		disabled BOOLEAN NOT NULL DEFAULT FALSE,
		created_at {{time}} NOT NULL
	)`,
	`CREATE INDEX users_id_number ON users (id_number)`,
	`CREATE INDEX users_uscc ON users (uscc)`,
	`CREATE TABLE user_org_roles (
		user_id {{bigint}} NOT NULL REFERENCES users (id),
		org_code TEXT NOT NULL,
		role TEXT NOT NULL,
		PRIMARY KEY (user_id, org_code, role)
	)`,
	`CREATE INDEX user_org_roles_by_org ON user_org_roles (org_code, role)`,
	`CREATE TABLE api_tokens (
		token_hash TEXT PRIMARY KEY,
		user_id {{bigint}} NOT NULL REFERENCES users (id),
		name TEXT NOT NULL DEFAULT '',
		created_at {{time}} NOT NULL,
		expires_at {{time}}
	)`,
	`CREATE INDEX api_tokens_by_user ON api_tokens (user_id)`,

	`CREATE TABLE cases (
		id {{id}},
		number TEXT NOT NULL UNIQUE,
		query_code TEXT NOT NULL UNIQUE,
		matter TEXT NOT NULL,
		matter_version INTEGER NOT NULL,
		applicant_id {{bigint}} REFERENCES users (id),
		channel TEXT NOT NULL DEFAULT '',
		status TEXT NOT NULL,
		form {{json}},
		org_code TEXT NOT NULL DEFAULT '',
		division_code TEXT NOT NULL DEFAULT '',
		workflow {{json}},
		fee_total {{float}} NOT NULL DEFAULT 0,
		submitted_at {{time}},
		accepted_at {{time}},
		concluded_at {{time}},
		due_at {{time}},
		stopped_at {{time}},
		created_at {{time}} NOT NULL,
		updated_at {{time}} NOT NULL,
		revision INTEGER NOT NULL DEFAULT 1,
		FOREIGN KEY (matter, matter_version) REFERENCES matter_versions (slug, version)
	)`,
	`CREATE INDEX cases_by_applicant ON cases (applicant_id, id)`,
	`CREATE INDEX cases_by_org ON cases (org_code, status, id)`,
	`CREATE INDEX cases_by_status ON cases (status, id)`,
	`CREATE INDEX cases_by_matter ON cases (matter, matter_version)`,
	`CREATE TABLE case_events (
		case_id {{bigint}} NOT NULL REFERENCES cases (id),
		seq INTEGER NOT NULL CHECK (seq > 0),
		type TEXT NOT NULL,
		actor TEXT NOT NULL DEFAULT '',
		at {{time}} NOT NULL,
		data {{json}},
		prev_hash TEXT NOT NULL,
		hash TEXT NOT NULL,
		PRIMARY KEY (case_id, seq)
	)`,
	`CREATE TABLE idempotency_keys (
		applicant_id {{bigint}} NOT NULL,
		idempotency_key TEXT NOT NULL,
		case_id {{bigint}} REFERENCES cases (id),
		created_at {{time}} NOT NULL,
		PRIMARY KEY (applicant_id, idempotency_key)
	)`,
	`CREATE TABLE sequences (
		name TEXT PRIMARY KEY,
		counter {{bigint}} NOT NULL
	)`,

	`CREATE TABLE tasks (
		id {{id}},
		case_id {{bigint}} NOT NULL REFERENCES cases (id),
		node TEXT NOT NULL,
		name TEXT NOT NULL DEFAULT '',
		org_code TEXT NOT NULL,
		role TEXT NOT NULL,
		claimed_by {{bigint}} REFERENCES users (id),
		status TEXT NOT NULL CHECK (status IN ('open', 'claimed', 'done', 'cancelled')),
		outcome TEXT NOT NULL DEFAULT '',
		opinion TEXT NOT NULL DEFAULT '',
		created_at {{time}} NOT NULL,
		due_at {{time}},
		claimed_at {{time}},
		done_at {{time}}
	)`,
	`CREATE INDEX tasks_queue ON tasks (org_code, role, status, id)`,
	`CREATE INDEX tasks_by_case ON tasks (case_id)`,
	`CREATE INDEX tasks_by_claimer ON tasks (claimed_by, status)`,

	`CREATE TABLE outbox (
		id {{id}},
		topic TEXT NOT NULL,
		payload {{json}},
		idempotency_key TEXT NOT NULL UNIQUE,
		case_id {{bigint}} REFERENCES cases (id),
		status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
		attempts INTEGER NOT NULL DEFAULT 0,
		next_attempt_at {{time}} NOT NULL,
		last_error TEXT NOT NULL DEFAULT '',
		created_at {{time}} NOT NULL,
		delivered_at {{time}}
	)`,
	`CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending'`,
	`CREATE INDEX outbox_dead ON outbox (id) WHERE status = 'dead'`,
	`CREATE INDEX outbox_by_case ON outbox (case_id)`,

	`CREATE TABLE blobs (
		sha256 TEXT PRIMARY KEY,
		size {{bigint}} NOT NULL CHECK (size >= 0),
		media_type TEXT NOT NULL,
		created_at {{time}} NOT NULL
	)`,
}

// types fills in schemaV1's column types.
var types = map[string]*strings.Replacer{
	dialectSQLite: strings.NewReplacer(
		"{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{bigint}}", "INTEGER",
		"{{time}}", "DATETIME", "{{json}}", "TEXT", "{{blob}}", "BLOB", "{{float}}", "REAL"),
	dialectPostgres: strings.NewReplacer(
		"{{id}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "{{bigint}}", "BIGINT",
		"{{time}}", "TIMESTAMPTZ", "{{json}}", "JSON", "{{blob}}", "BYTEA", "{{float}}", "DOUBLE PRECISION"),
}

// execSQL is a step made of SQL statements that both databases run, after types are filled in.
func execSQL(stmts ...string) func(*Tx) error {
	return func(tx *Tx) error {
		for _, s := range stmts {
			if err := tx.g.Exec(types[tx.db.dialect].Replace(s)).Error; err != nil {
				return fmt.Errorf("%w\n%s", err, s)
			}
		}
		return nil
	}
}

// perDialect is a step whose SQL differs between the databases.
func perDialect(sqlite, postgres []string) func(*Tx) error {
	return func(tx *Tx) error {
		if tx.db.dialect == dialectPostgres {
			return execSQL(postgres...)(tx)
		}
		return execSQL(sqlite...)(tx)
	}
}

// migrationLock is the PostgreSQL advisory lock that keeps instances starting together from
// running the same step twice.
const migrationLock = 7_146_002_024

// Migrate runs the steps the database has not seen yet, in order. Open calls it; running it
// again, or from several instances at once, does nothing more.
func (db *DB) Migrate(ctx context.Context) error {
	for _, m := range migrations {
		err := db.Write(ctx, func(tx *Tx) error {
			if db.dialect == dialectPostgres {
				if err := tx.g.Exec("SELECT pg_advisory_xact_lock(?)", migrationLock).Error; err != nil {
					return err
				}
			}
			err := execSQL(`CREATE TABLE IF NOT EXISTS schema_migrations (
				version INTEGER PRIMARY KEY,
				name TEXT NOT NULL,
				applied_at {{time}} NOT NULL
			)`)(tx)
			if err != nil {
				return err
			}
			var newest int
			if err := tx.g.Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&newest).Error; err != nil {
				return err
			}
			if newest > len(migrations) {
				return fmt.Errorf("database schema is at version %d, newer than this program's %d", newest, len(migrations))
			}
			if newest >= m.version {
				return nil
			}
			if err := m.up(tx); err != nil {
				return err
			}
			return tx.g.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, tx.now).Error
		})
		if err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// SchemaVersion returns the number of the newest migration step the database has run.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.readOne(ctx, func(g *gorm.DB) error {
		return g.Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v).Error
	})
	return v, wrap(err, "schema version")
}

// Ready reports whether the store answers and its schema is the one this program was built
// for: a reader that cannot reach the database, or a schema older or newer than the program's
// migrations (another instance upgraded it, or a migration failed), is an error. It is what a
// readiness probe asks, so it reads one row.
func (db *DB) Ready(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if v != len(migrations) {
		return fmt.Errorf("store: schema at version %d, this program expects %d", v, len(migrations))
	}
	return nil
}
