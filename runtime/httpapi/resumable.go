package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
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
// upload is visible to its creator only. Errors have the API's one body.

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

// uploads is tusd over a file store in the service's staging folder.
type uploads struct {
	tus    *tusd.UnroutedHandler
	store  filestore.FileStore
	dir    string
	logger *slog.Logger
}

// openUploads prepares the resumable uploads. Before any request, a complete upload still
// staged is one whose attaching the server did not finish (it stopped): it is removed, so that
// its client, asking to resume, learns to start again instead of being told the file is done.
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
	up := &uploads{store: store, dir: dir, logger: s.Logger}
	up.sweep(context.Background(), true)
	up.tus, err = tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer:             composer,
		BasePath:                  uploadsPath,
		RespectForwardedHeaders:   true, // the Location of a new upload as the client sees the server
		DisableDownload:           true, // files are read through the case, once attached
		DisableConcatenation:      true,
		Cors:                      &tusd.CorsConfig{Disable: true}, // same origin, like the API
		Logger:                    expslog.New(tusdLog{logger: s.Logger}),
		PreUploadCreateCallback:   s.createUpload,
		PreFinishResponseCallback: s.finishUpload,
	})
	if err != nil {
		return nil, err
	}
	return up, nil
}

// sweep deletes the uploads left unfinished for staleAfter and, with complete, those complete
// but not attached. It runs whenever an upload is created, so abandoned files do not fill the
// disk; a folder of a few hundred uploads takes no time to list.
func (up *uploads) sweep(ctx context.Context, complete bool) {
	entries, err := os.ReadDir(up.dir)
	if err != nil {
		up.logger.Error("resumable uploads: listing the upload folder", "err", err)
		return
	}
	for _, e := range entries {
		fi, err := e.Info()
		if !uploadID.MatchString(e.Name()) || err != nil {
			continue // the .info beside each file, or a file that just went
		}
		upload, err := up.store.GetUpload(ctx, e.Name())
		if err != nil {
			continue
		}
		info, err := upload.GetInfo(ctx)
		if err != nil || !(time.Since(fi.ModTime()) > staleAfter || complete && info.Offset == info.Size) {
			continue
		}
		if err := up.store.AsTerminatableUpload(upload).Terminate(ctx); err != nil {
			up.logger.Error("resumable uploads: deleting an abandoned upload", "id", e.Name(), "err", err)
		}
	}
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
		http.StripPrefix(uploadsPath, h).ServeHTTP(c.Writer, r)
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
	meta[metaUser] = strconv.FormatInt(u.ID, 10)
	s.uploads.sweep(hook.Context, false)
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{MetaData: meta}, nil
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
