package hmacsig_test

import (
	"fmt"

	"github.com/xuchang-gov/tongban/connectors/hmacsig"
)

// The signature an integrator on the other side must compute (checked against
// `openssl dgst -sha256 -hmac demo-secret`), for a callback to
// /api/v1/callbacks/housing-approval-system signed at 2026-01-05 09:00:00 +08:00.
func ExampleSign() {
	body := []byte(`{"messageId":"ZJ2026010500001-result-4","type":"result"}`)
	fmt.Println(hmacsig.StringToSign("POST", "/api/v1/callbacks/housing-approval-system", "1767574800", "9f86d081884c7d65", body))
	fmt.Println(hmacsig.Sign([]byte("demo-secret"), "POST", "/api/v1/callbacks/housing-approval-system", "1767574800", "9f86d081884c7d65", body))
	// Output:
	// POST
	// /api/v1/callbacks/housing-approval-system
	// 1767574800
	// 9f86d081884c7d65
	// f9c8ea1283bbd346e35bee71268b4d630c06aaed6bc6afa112c2a9b6aaa2690a
	// 5dd333de737b8546a75f937cf032efb37b5784944dcc08fe81026dff0efac307
}
