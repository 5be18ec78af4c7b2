package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	expslog "golang.org/x/exp/slog"

	"github.com/xuchang-gov/tongban/runtime"
)

// Resumable uploads of materials: the tus protocol, version 1.0.0, with tusd.
//
//   - POST /api/v1/uploads/ with Upload-Length and Upload-Metadata (case, material, filename,
//     sha256) creates an upload, after the service has checked, before any byte, that the user
//     may upload to that material of that case and that the size is within its limit.
//   - HEAD /api/v1/uploads/{id} gives the Upload-Offset to resume from; PATCH appends from
//     there; DELETE cancels.
//   - The PATCH that completes the file answers only once the file is on the case: checked
//     (content type, size, SHA-256 against the declared one) and stored, or refused. Either
//     way the staged copy is deleted.
//
// Every request but OPTIONS carries the user's bearer token, read as every route reads it; an
// upload is visible to its creator only. Errors have the API's one body, tusd's own protocol
// errors too (tusAnswer).

// uploadsPath is where resumable uploads are served.
const uploadsPath = "/api/v1/uploads/"

// The Upload-Metadata keys a client sends when it creates an upload. All four are required.
const (
	metaCase     = "case"     // the case number
	metaMaterial = "material" // the material id
	metaFilename = "filename" // the file's name on the client
	metaSHA256   = "sha256"   // the SHA-256 of the whole file, in hex, computed before sending
	// metaUser is set by the server: the id of the user who created the upload, the only one
	// who may resume, inspect or cancel it.
	metaUser = "user"
)

// uploadID is the form of the ids the file store gives uploads; anything else in a path is
// refused before it can name a file.
var uploadID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// staleAfter is how long an unfinished upload is kept after the last byte of it arrived.
const staleAfter = 72 * time.Hour

// Each open upload holds the disk space it announced until it is finished, cancelled or
// abandoned, so an account, and a case, may have only so many open at once.
const (
	maxOpenPerCase    = 10
	maxOpenPerAccount = 20
	// sweepEvery is how often every open upload is looked at for those abandoned; a creator's
	// own are looked at whenever they create one.
	sweepEvery = time.Hour
)

// uploads is tusd over a file store in the service's staging folder, with the open uploads
// known in memory (one process serves a data folder), so that creating one lists no folder.
type uploads struct {
	tus    *tusd.UnroutedHandler
	store  filestore.FileStore
	dir    string
	logger *slog.Logger

	mu    sync.Mutex
	open  map[string]openUpload
	swept time.Time
}

// openUpload is an upload created and not yet finished or cancelled.
type openUpload struct {
	user     int64
	caseNo   string
	reserved time.Time
}

// openUploads prepares the resumable uploads. Before any request, a complete upload still
// staged is one whose attaching the server did not finish (it stopped): it is removed, so that
// its client, asking to resume, learns to start again instead of being told the file is done.
// The others are the open uploads.
func (s *Server) openUploads() (*uploads, error) {
	dir, err := s.Resumable.UploadStagingDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	store := filestore.New(dir)
	composer := tusd.NewStoreComposer()
	// Neither concatenation nor deferred lengths: an upload is one file whose size is known,
	// and checked, before it starts.
	composer.UseCore(store)
	composer.UseTerminater(store)
	// Locks in memory, as one process serves a data folder. A request that resumes an upload
	// asks the request still holding it (a connection not yet known to be dead) to let go.
	memorylocker.New().UseIn(composer)
	up := &uploads{store: store, dir: dir, logger: s.Logger, open: map[string]openUpload{}, swept: time.Now()}
	if err := up.load(context.Background()); err != nil {
		return nil, err
	}
	up.tus, err = tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer:              composer,
		BasePath:                   uploadsPath,
		RespectForwardedHeaders:    true, // the Location of a new upload as the client sees the server
		DisableDownload:            true, // files are read through the case, once attached
		DisableConcatenation:       true,
		Cors:                       &tusd.CorsConfig{Disable: true}, // same origin, like the API
		Logger:                     expslog.New(tusdLog{logger: s.Logger}),
		PreUploadCreateCallback:    s.createUpload,
		PreFinishResponseCallback:  s.finishUpload,
		PreUploadTerminateCallback: s.terminateUpload,
	})
	if err != nil {
		return nil, err
	}
	return up, nil
}

// load reads the staging folder once: uploads complete but not attached, or abandoned, are
// deleted, the rest are the open uploads.
func (up *uploads) load(ctx context.Context) error {
	entries, err := os.ReadDir(up.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !uploadID.MatchString(e.Name()) {
			continue // the .info beside each file
		}
		upload, err := up.store.GetUpload(ctx, e.Name())
		if err != nil {
			continue
		}
		info, err := upload.GetInfo(ctx)
		if err != nil {
			continue
		}
		if info.Offset == info.Size || up.abandoned(e.Name()) {
			up.terminate(ctx, e.Name())
			continue
		}
		user, _ := strconv.ParseInt(info.MetaData[metaUser], 10, 64)
		up.open[e.Name()] = openUpload{user: user, caseNo: info.MetaData[metaCase]}
	}
	return nil
}

// abandoned tells whether no byte of upload id arrived for staleAfter.
func (up *uploads) abandoned(id string) bool {
	fi, err := os.Stat(filepath.Join(up.dir, id))
	return err == nil && time.Since(fi.ModTime()) > staleAfter
}

// terminate deletes an upload's staged files.
func (up *uploads) terminate(ctx context.Context, id string) {
	upload, err := up.store.GetUpload(ctx, id)
	if err == nil {
		err = up.store.AsTerminatableUpload(upload).Terminate(ctx)
	}
	if err != nil && !errors.Is(err, tusd.ErrNotFound) {
		up.logger.Error("resumable uploads: deleting an abandoned upload", "id", id, "err", err)
	}
}

// reserve counts a new upload id of user's on the case, after deleting the abandoned uploads
// (the user's own each time, everyone's every sweepEvery), or refuses it over the limits.
func (up *uploads) reserve(ctx context.Context, id string, user int64, caseNo string) error {
	up.mu.Lock()
	defer up.mu.Unlock()
	all := time.Since(up.swept) > sweepEvery
	if all {
		up.swept = time.Now()
	}
	var byUser, byCase int
	for other, o := range up.open {
		if !all && o.user != user {
			continue
		}
		if up.abandoned(other) || up.vanished(other, o) {
			up.terminate(ctx, other)
			delete(up.open, other)
			continue
		}
		if o.user == user {
			byUser++
			if o.caseNo == caseNo {
				byCase++
			}
		}
	}
	switch {
	case byCase >= maxOpenPerCase:
		return runtime.Errorf(runtime.ETOOMANY, "办件 %s 已有 %d 个未完成的断点续传，请先完成或取消其中的上传", caseNo, byCase)
	case byUser >= maxOpenPerAccount:
		return runtime.Errorf(runtime.ETOOMANY, "您已有 %d 个未完成的断点续传，请先完成或取消其中的上传", byUser)
	}
	up.open[id] = openUpload{user: user, caseNo: caseNo, reserved: time.Now()}
	return nil
}

// vanished tells whether an upload reserved a while ago has no file: its creation failed.
func (up *uploads) vanished(id string, o openUpload) bool {
	if time.Since(o.reserved) < time.Minute {
		return false
	}
	_, err := os.Stat(filepath.Join(up.dir, id))
	return errors.Is(err, fs.ErrNotExist)
}

// forget drops an upload finished or cancelled from the open ones.
func (up *uploads) forget(id string) {
	up.mu.Lock()
	defer up.mu.Unlock()
	delete(up.open, id)
}

// newUploadID is a random id of the form the file store gives.
func newUploadID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// owns checks that the upload id exists and was created by u.
func (up *uploads) owns(ctx context.Context, u *runtime.User, id string) error {
	gone := runtime.Errorf(runtime.ENOTFOUND, "上传 %s 不存在或已结束", id)
	if !uploadID.MatchString(id) {
		return gone
	}
	upload, err := up.store.GetUpload(ctx, id)
	if errors.Is(err, tusd.ErrNotFound) {
		return gone
	}
	if err != nil {
		return err
	}
	info, err := upload.GetInfo(ctx)
	if err != nil {
		return err
	}
	if info.MetaData[metaUser] != strconv.FormatInt(u.ID, 10) {
		return gone
	}
	return nil
}

// tusResumable is on every answer of the uploads, the refusals before tusd included, as the
// protocol asks.
func tusResumable(c *gin.Context) { c.Header("Tus-Resumable", "1.0.0") }

type uploaderKey struct{}

// tus serves a request of the protocol with serve, one of tusd's handlers, behind tusd's
// protocol checks (which answer OPTIONS themselves: serve is nil there). A request about one
// upload reaches it only from the upload's creator: anyone else is told it does not exist.
func (s *Server) tus(serve func(*tusd.UnroutedHandler, http.ResponseWriter, *http.Request)) gin.HandlerFunc {
	return func(c *gin.Context) {
		up := s.uploads
		if up == nil {
			s.fail(c, runtime.Errorf(runtime.EUNAVAILABLE, "断点续传暂不可用，请稍后重试或改用普通上传"))
			return
		}
		ctx := c.Request.Context()
		if id := c.Param("id"); id != "" {
			if err := up.owns(ctx, user(c), id); err != nil {
				s.fail(c, err)
				return
			}
		}
		// tusd takes the upload id from the path below uploadsPath, and gives its hooks the
		// request's context: the user goes with it.
		r := c.Request.WithContext(context.WithValue(ctx, uploaderKey{}, user(c)))
		h := up.tus.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(up.tus, w, r) }))
		answer := &tusAnswer{ResponseWriter: c.Writer}
		http.StripPrefix(uploadsPath, h).ServeHTTP(answer, r)
		answer.finish()
	}
}

// createUpload decides, before any byte is stored, whether an upload may begin, and keeps only
// the metadata the server knows (plus its creator).
func (s *Server) createUpload(hook tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	u, _ := hook.Context.Value(uploaderKey{}).(*runtime.User)
	info := hook.Upload
	if info.SizeIsDeferred {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(hook, runtime.Invalid("创建上传时须给出文件大小（Upload-Length）",
			runtime.FieldError{Pointer: "/size", Message: "缺少文件大小"}))
	}
	meta := tusd.MetaData{}
	var missing []runtime.FieldError
	for _, k := range []string{metaCase, metaMaterial, metaFilename, metaSHA256} {
		if info.MetaData[k] == "" {
			missing = append(missing, runtime.FieldError{Pointer: "/metadata/" + k, Message: "缺少 " + k})
		}
		meta[k] = info.MetaData[k]
	}
	if len(missing) > 0 {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(hook, runtime.Invalid(
			"Upload-Metadata 须包含办件编号 case、材料 material、文件名 filename 和整个文件的 SHA-256 sha256", missing...))
	}
	err := s.Resumable.CheckUpload(hook.Context, u, meta[metaCase], meta[metaMaterial], info.Size, meta[metaSHA256])
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(hook, err)
	}
	id := newUploadID()
	if err := s.uploads.reserve(hook.Context, id, u.ID, meta[metaCase]); err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(hook, err)
	}
	meta[metaUser] = strconv.FormatInt(u.ID, 10)
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{ID: id, MetaData: meta}, nil
}

// terminateUpload drops a cancelled upload from the open ones.
func (s *Server) terminateUpload(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	s.uploads.forget(hook.Upload.ID)
	return tusd.HTTPResponse{}, nil
}

// finishUpload attaches a complete upload to its case and deletes the staged copy, whatever
// the outcome: a refused file cannot become acceptable by being sent again as it is.
func (s *Server) finishUpload(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	// The file is whole on disk; the client leaving now must not undo the attaching.
	ctx := context.WithoutCancel(hook.Context)
	u, _ := ctx.Value(uploaderKey{}).(*runtime.User)
	info := hook.Upload
	upload, err := s.uploads.store.GetUpload(ctx, info.ID)
	if err != nil {
		return tusd.HTTPResponse{}, s.tusError(hook, err)
	}
	defer func() {
		if err := s.uploads.store.AsTerminatableUpload(upload).Terminate(ctx); err != nil {
			s.Logger.Error("resumable upload: deleting the staged file", "id", info.ID, "err", err)
		}
		s.uploads.forget(info.ID)
	}()
	r, err := upload.GetReader(ctx)
	if err != nil {
		return tusd.HTTPResponse{}, s.tusError(hook, err)
	}
	defer r.Close()
	// Recorded on the case with its audit event; the client reads it there.
	_, err = s.Resumable.AttachUploadedFile(ctx, u, info.MetaData[metaCase], info.MetaData[metaMaterial],
		info.MetaData[metaFilename], r, info.MetaData[metaSHA256])
	if err != nil {
		return tusd.HTTPResponse{}, s.tusError(hook, err)
	}
	return tusd.HTTPResponse{}, nil
}

// tusError is err as tusd answers it from a hook: the API's error status and body.
func (s *Server) tusError(hook tusd.HookEvent, err error) error {
	status, body := s.errorAnswer(hook.Context, hook.HTTPRequest.Method, hook.HTTPRequest.URI, err)
	raw, _ := json.Marshal(body)
	header := tusd.HTTPHeader{"Content-Type": "application/json; charset=utf-8"}
	if status == http.StatusUnauthorized {
		header["WWW-Authenticate"] = bearerChallenge
	}
	return tusd.Error{ErrorCode: body.Error.Code, Message: body.Error.Message,
		HTTPResponse: tusd.HTTPResponse{StatusCode: status, Body: string(raw), Header: header}}
}

// tusdLog passes tusd's warnings and errors to the server's log (tusd logs with
// golang.org/x/exp/slog, and logs every request at info level, which is too much).
type tusdLog struct {
	logger *slog.Logger
	attrs  []any
}

func (l tusdLog) Enabled(_ context.Context, level expslog.Level) bool {
	return level >= expslog.LevelWarn
}

func (l tusdLog) Handle(ctx context.Context, r expslog.Record) error {
	if r.Message == "BodyReadError" {
		// A client that goes away mid-file is what resumable uploads are for.
		return nil
	}
	args := append([]any{}, l.attrs...)
	r.Attrs(func(a expslog.Attr) bool {
		args = append(args, a.Key, a.Value.Any())
		return true
	})
	l.logger.Log(ctx, slog.Level(r.Level), "tusd: "+r.Message, args...)
	return nil
}

func (l tusdLog) WithAttrs(attrs []expslog.Attr) expslog.Handler {
	next := tusdLog{logger: l.logger, attrs: append([]any{}, l.attrs...)}
	for _, a := range attrs {
		next.attrs = append(next.attrs, a.Key, a.Value.Any())
	}
	return next
}

func (l tusdLog) WithGroup(name string) expslog.Handler {
	return tusdLog{logger: l.logger.WithGroup(name), attrs: l.attrs}
}
