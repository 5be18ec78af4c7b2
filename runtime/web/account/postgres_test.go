package account_test

import (
	"os"
	"testing"

	"github.com/xuchang-gov/tongban/runtime/store"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// TestPostgres runs the flows that write to the store again on PostgreSQL, when
// TONGBAN_TEST_POSTGRES names one (scripts/postgres.sh starts one).
func TestPostgres(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skip(storetest.PostgresEnv + " is not set: run scripts/postgres.sh to test on PostgreSQL")
	}
	sqlite := openStore
	openStore = func(t testing.TB, opts ...store.Option) *store.DB { return storetest.OpenPostgres(t, opts...) }
	t.Cleanup(func() { openStore = sqlite })
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"Register", TestRegister},
		{"RegisterTwice", TestRegisterTwice},
		{"RegisterClaimsWindowApplicant", TestRegisterClaimsWindowApplicant},
		{"Login", TestLogin},
		{"CSRF", TestCSRF},
		{"Lockout", TestLockout},
		{"Reset", TestReset},
		{"SessionTimeouts", TestSessionTimeouts},
		{"LogoutAndPasswordChange", TestLogoutAndPasswordChange},
		{"AdminUsers", TestAdminUsers},
		{"ScriptRenderedInert", TestScriptRenderedInert},
	} {
		t.Run(tc.name, tc.test)
	}
}
