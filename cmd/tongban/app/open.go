package app

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// fileSecret is the key that signs references to files uploaded before their case exists:
// TONGBAN_SECRET when set (instances sharing a database must share it), else a random key kept
// in the data folder.
func fileSecret(data string, getenv func(string) string) ([]byte, error) {
	if s := getenv("TONGBAN_SECRET"); s != "" {
		if len(s) < 16 {
			return nil, fmt.Errorf("TONGBAN_SECRET 至少要有 16 个字符")
		}
		return []byte(s), nil
	}
	path := filepath.Join(data, "secret.key")
	if key, err := os.ReadFile(path); err == nil && len(key) >= 32 {
		return key, nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(data, 0o750); err != nil {
		return nil, err
	}
	return key, WriteFileAtomic(path, key, 0o600)
}

// WriteFileAtomic writes through a temporary file in the same folder, so that a failed write
// never leaves a half-written file where a good one was.
func WriteFileAtomic(name string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
