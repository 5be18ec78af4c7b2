package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
	"github.com/xuchang-gov/tongban/runtime/store/storetest"
)

// BenchmarkSendResetCode is what a reset-code request costs for an account and for a name that
// matches none, on a SQLite file (synchronous=FULL): the two must not be told apart by time.
// The clock moves 16 minutes a request, so that no rate limit cuts the work short.
func BenchmarkSendResetCode(b *testing.B) {
	ctx := context.Background()
	db := storetest.OpenSQLite(b)
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db.Now = clock
	acc := service.NewAccounts(db, service.AccountOptions{Now: clock})
	u, err := acc.CreateUser(ctx, service.NewUser{User: runtime.User{Name: "张伟", Kind: "person", IDNumber: "411002198605120313",
		Mobile: "13803741234", Roles: []runtime.Role{runtime.RoleApplicant}}, Password: "Xuchang#2026ok"})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		user *runtime.User
	}{{"account", u}, {"no-account", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				now = now.Add(16 * time.Minute)
				if err := acc.SendResetCode(ctx, bc.user, "10.0.0.1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
