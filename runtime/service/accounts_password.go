package service

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/xuchang-gov/tongban/runtime"
	"golang.org/x/crypto/argon2"
)

// Password hashes are Argon2id (RFC 9106) with a random 16-byte salt per hash, stored as a PHC
// string — "$argon2id$v=19$m=65536,t=1,p=2$<salt>$<key>" — so that every hash carries the
// parameters it was made with and hashes made with older parameters still verify (and are
// upgraded at the next successful sign-in).
//
// m=64 MiB is the memory of RFC 9106's second recommended option: the memory is what makes
// guessing expensive on GPUs and ASICs, which have plenty of cores but little fast memory per
// core. t=1 pass, as RFC 9106's first option, because with Argon2id more memory buys more than
// more passes for the same time, and one pass over 64 MiB already costs about 120 ms on the
// two-core production machine — the most a sign-in should wait; t=3 costs about 300 ms. p=2
// lanes uses both cores of that machine for one hash. Hashing is limited to GOMAXPROCS (at
// least two) at a time (hashSlots), so a burst of sign-ins queues instead of allocating 64 MiB
// each: the memory for hashing stays at 128 MiB on that machine.
const (
	argonMemory  = 64 * 1024 // KiB
	argonTime    = 1
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// hashSlots bounds how many password hashes run at once.
var hashSlots = make(chan struct{}, max(2, goruntime.GOMAXPROCS(0)))

var phc = base64.RawStdEncoding

// passwordHash is a parsed PHC string.
type passwordHash struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

func (h passwordHash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.time, h.threads,
		phc.EncodeToString(h.salt), phc.EncodeToString(h.key))
}

// current reports whether h was made with today's parameters.
func (h passwordHash) current() bool {
	return h.memory == argonMemory && h.time == argonTime && h.threads == argonThreads && len(h.key) == argonKeyLen
}

var errBadHash = errors.New("account: not an argon2id PHC string")

func parsePasswordHash(s string) (passwordHash, error) {
	var h passwordHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &h.threads); err != nil {
		return h, errBadHash
	}
	var err1, err2 error
	h.salt, err1 = phc.DecodeString(parts[4])
	h.key, err2 = phc.DecodeString(parts[5])
	// Bounds, so that a tampered row cannot make a sign-in allocate gigabytes or spin.
	if err1 != nil || err2 != nil || h.memory < 8 || h.memory > 1<<20 || h.time < 1 || h.time > 10 ||
		h.threads < 1 || len(h.salt) < 8 || len(h.key) < 16 || len(h.key) > 64 {
		return h, errBadHash
	}
	return h, nil
}

// derive computes the Argon2id key of password with h's salt and parameters, waiting for a
// hash slot first.
func derive(ctx context.Context, password string, h passwordHash, keyLen int) ([]byte, error) {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(keyLen)), nil
}

// hashPassword returns the Argon2id PHC string of password with a new random salt. It costs
// about 120 ms of two cores and 64 MiB, so it runs before a unit of work opens, never inside
// one (on SQLite that would hold up every other writer).
func hashPassword(ctx context.Context, password string) (string, error) {
	if password == "" {
		return "", runtime.Invalid("密码不能为空", runtime.FieldError{Pointer: "/password", Message: "请输入密码"})
	}
	h := passwordHash{memory: argonMemory, time: argonTime, threads: argonThreads, salt: make([]byte, argonSaltLen)}
	rand.Read(h.salt)
	key, err := derive(ctx, password, h, argonKeyLen)
	if err != nil {
		return "", err
	}
	h.key = key
	return h.String(), nil
}

// dummyHash is verified against when an account has no password, so that "no such account"
// takes as long as "wrong password" and sign-in timing does not tell which accounts exist.
var dummyHash = sync.OnceValue(func() passwordHash {
	s, _ := hashPassword(context.Background(), "tongban: no such account")
	h, _ := parsePasswordHash(s)
	return h
})

// CheckPassword returns nil when password is the user's, and unauthorized when it is not or
// the user (0: none) has no password. The comparison takes the same time whatever the
// mismatch, and an account without a password costs the same hash as one with. A hash made
// with older parameters is replaced by one made with today's. It does not look at whether the
// user is disabled or locked out: the callers do.
func (a *Accounts) CheckPassword(ctx context.Context, userID int64, password string) error {
	stored, err := a.store.PasswordHash(ctx, userID)
	if err != nil && runtime.ErrorCode(err) != runtime.ENOTFOUND {
		return err
	}
	h, perr := dummyHash(), errBadHash
	if err == nil {
		if p, err := parsePasswordHash(stored); err == nil {
			h, perr = p, nil
		}
	}
	key, err := derive(ctx, password, h, len(h.key))
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(key, h.key) != 1 || perr != nil {
		return runtime.Errorf(runtime.EUNAUTHORIZED, "账户或密码错误")
	}
	if h.current() {
		return nil
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return a.store.WriteAccounts(ctx, func(tx runtime.AccountTx) error { return tx.ReplacePasswordHash(userID, stored, hash) })
}

// Password policy.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 128
)

// PasswordProblem returns, in Chinese, what is wrong with password, or "" when the policy
// accepts it: at least MinPasswordLength characters, at least three of upper-case letters,
// lower-case letters, digits and other characters, and none of personal — the ID number,
// credit code or mobile number of the account — inside it, in any letter case.
func PasswordProblem(password string, personal ...string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return fmt.Sprintf("密码至少需要 %d 位", MinPasswordLength)
	case n > MaxPasswordLength:
		return fmt.Sprintf("密码不能超过 %d 位", MaxPasswordLength)
	}
	var upper, lower, digit, other int
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= '0' && r <= '9':
			digit = 1
		case unicode.IsControl(r):
			return "密码不能包含控制字符"
		default:
			other = 1
		}
	}
	if upper+lower+digit+other < 3 {
		return "密码需要包含大写字母、小写字母、数字、符号中的至少三类"
	}
	folded := strings.ToUpper(password)
	for _, p := range personal {
		if p = strings.ToUpper(strings.TrimSpace(p)); p != "" && strings.Contains(folded, p) {
			return "密码不能包含证件号码或手机号码"
		}
	}
	return ""
}
