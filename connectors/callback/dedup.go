package callback

import (
	"context"
	"sync"
)

// Deduper applies each message at most once by its id. The runtime gives one backed by the
// database, which records the id in the transaction of the change the message causes, so that
// either both happen or neither.
type Deduper interface {
	// Once runs apply unless a message with id was applied before, and reports duplicate when
	// it did not run it. An apply that fails is not recorded, so the sender's retry runs it
	// again. Two calls with one id at the same time run apply at most once.
	Once(ctx context.Context, id string, apply func(ctx context.Context) error) (duplicate bool, err error)
}

// MemoryDedup is a Deduper in memory, for one process: tests, simulators and demos.
type MemoryDedup struct {
	mu      sync.Mutex
	done    map[string]bool
	running map[string]*sync.Mutex
}

var _ Deduper = (*MemoryDedup)(nil)

// NewMemoryDedup returns an empty MemoryDedup.
func NewMemoryDedup() *MemoryDedup {
	return &MemoryDedup{done: map[string]bool{}, running: map[string]*sync.Mutex{}}
}

// Once implements Deduper.
func (d *MemoryDedup) Once(ctx context.Context, id string, apply func(ctx context.Context) error) (bool, error) {
	d.mu.Lock()
	lock, ok := d.running[id]
	if !ok {
		lock = &sync.Mutex{}
		d.running[id] = lock
	}
	d.mu.Unlock()
	lock.Lock()
	defer lock.Unlock()
	d.mu.Lock()
	done := d.done[id]
	d.mu.Unlock()
	if done {
		return true, nil
	}
	if err := apply(ctx); err != nil {
		return false, err
	}
	d.mu.Lock()
	d.done[id] = true
	delete(d.running, id)
	d.mu.Unlock()
	return false, nil
}

// Seen reports whether a message with id was applied.
func (d *MemoryDedup) Seen(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.done[id]
}
