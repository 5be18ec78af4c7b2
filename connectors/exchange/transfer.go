package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Checkpoint keeps a transfer's position between runs.
type Checkpoint interface {
	// Load returns the saved position; the zero Position when none was saved.
	Load(ctx context.Context) (Position, error)
	// Save records the position once the pages up to it are in the sink.
	Save(ctx context.Context, p Position) error
}

// TransferOptions tune Transfer.
type TransferOptions struct {
	// PageSize is how many cases are read and written at a time (default and at most
	// MaxPageSize).
	PageSize int
	// Checkpoint, when set, is where the transfer starts and is saved after every page written.
	// Without one the transfer starts at the first case and remembers nothing.
	Checkpoint Checkpoint
	// Progress, when set, is told after every page how many cases of how many have been done.
	Progress func(done, total int)
}

// TransferSummary is what a transfer did.
type TransferSummary struct {
	// From is where it started (a resumed transfer starts past zero); To is where it stopped.
	From, To Position
	Pages    int
	Records  int
	Duration time.Duration
}

// RecordsPerSecond is the rate of the transfer.
func (s TransferSummary) RecordsPerSecond() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Records) / s.Duration.Seconds()
}

// Transfer copies the case records of from into to, page by page in case order, saving the
// position after each page. Run again with the same checkpoint after an interruption, it goes on
// after the last page saved, so no record is skipped and none is written twice — except the one
// page written when the checkpoint could not be saved, which is written again and, since a Sink
// keeps one record per number, changes nothing. Cases added while it runs are transferred too.
func Transfer(ctx context.Context, from Source, to Sink, o TransferOptions) (TransferSummary, error) {
	start := time.Now()
	var pos Position
	if o.Checkpoint != nil {
		var err error
		if pos, err = o.Checkpoint.Load(ctx); err != nil {
			return TransferSummary{}, fmt.Errorf("读取检查点：%w", err)
		}
	}
	sum := TransferSummary{From: pos, To: pos}
	err := ReadPages(ctx, from, pos, o.PageSize, func(p Page) error {
		if len(p.Records) > 0 {
			if err := to.Put(ctx, p.Records); err != nil {
				return fmt.Errorf("写入第 %d–%d 条：%w", sum.To.Done+1, p.Pos.Done, err)
			}
		}
		if o.Checkpoint != nil {
			if err := o.Checkpoint.Save(ctx, p.Pos); err != nil {
				return fmt.Errorf("保存检查点：%w", err)
			}
		}
		sum.Pages++
		sum.Records += len(p.Records)
		sum.To = p.Pos
		if o.Progress != nil {
			o.Progress(p.Pos.Done, p.Total)
		}
		return nil
	})
	sum.Duration = time.Since(start)
	return sum, err
}

// FileCheckpoint keeps the position in a small JSON file, replaced atomically on every save so
// that a crash leaves the old position or the new one, never half a file.
type FileCheckpoint struct {
	Path string
}

var _ Checkpoint = FileCheckpoint{}

// Load implements Checkpoint: a missing file is the start.
func (f FileCheckpoint) Load(context.Context) (Position, error) {
	var p Position
	raw, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("%s 不是检查点文件：%w", f.Path, err)
	}
	if p.Done < 0 || p.LastID < 0 {
		return p, fmt.Errorf("%s：检查点数值无效", f.Path)
	}
	return p, nil
}

// Save implements Checkpoint.
func (f FileCheckpoint) Save(_ context.Context, p Position) error {
	raw, _ := json.Marshal(p)
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), "."+filepath.Base(f.Path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(raw, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), f.Path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
